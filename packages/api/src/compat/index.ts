export { normalizeKeys, SeedId } from "./fields";
export { openApiDocument, SEED_ENDPOINTS } from "./openapi";
export { createCompatRest } from "./rest";
export { seedTextOf } from "./shapes";

/** The paths the seed REST endpoints live at: the web app's pages never use these. */
const COMPAT_PATHS =
  /^\/(register|login|logout|profile|change-name|users|create-room|join|invite|rooms|openapi\.json)$|^\/(profile|room|messages)\/[^/]+$|^\/v1\/api\//;

export const isCompatPath = (pathname: string) => COMPAT_PATHS.test(pathname);
