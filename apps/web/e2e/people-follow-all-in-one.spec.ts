import { test } from "./fixtures";
import { followTests } from "./people-follow";

test.use({ stackMode: "all-in-one" });

/** Renames, joins and leaves on open pages, in the all-in-one process. */
followTests("all-in-one");
