import { fileTests } from "./files";
import { test } from "./fixtures";

test.use({ stackMode: "all-in-one" });

/** Sharing images and files in the all-in-one process (files on disk under DATA_DIR). */
fileTests("all-in-one");
