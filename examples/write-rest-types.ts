import { writeFile } from "node:fs/promises";
import { REST_TYPES_FILE, restTypes } from "./rest-types";

await writeFile(REST_TYPES_FILE, await restTypes());
console.log(`wrote ${REST_TYPES_FILE.pathname}`);
