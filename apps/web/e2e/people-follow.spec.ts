import { followTests } from "./people-follow";

/** Renames, joins and leaves on open pages, on the scaled stack (a web process and a realtime process). */
followTests("scaled");
