import type { OpenApiMeta } from "trpc-to-openapi";
import type { Deps } from "./deps";
import { isDatabaseUnavailable } from "./errors";
import { REST_BASE_PATH } from "./rest";
import { appRouter } from "./root";
import { authenticate } from "./services/auth";
import { isAdminProcedure, router } from "./trpc";

/**
 * The administrators' surface, hidden from everyone else. Issue 18 asks that a caller who is not an
 * administrator cannot tell an administrator's procedure from one that does not exist, on any
 * transport. `adminProcedure` answers such a caller as `callProcedure` answers an unknown path (the
 * WebSocket and server-side callers), but tRPC over HTTP and the REST API say more before any
 * middleware runs: a wrong method is 405 naming the procedure, an unknown path has words of its
 * own. So the HTTP transports serve such callers `routerWithoutAdministration`, the same router
 * without these procedures: whatever they send (any method, batch, bad input) is answered exactly
 * as for a made-up path, by tRPC's own code.
 */

const procedures = appRouter._def.procedures as Record<string, unknown>;

/** The tRPC paths of the administrators' procedures ("admin.users", "bots.create", …). */
export const ADMIN_PROCEDURE_PATHS: ReadonlySet<string> = new Set(
  Object.entries(procedures)
    .filter(([, procedure]) => isAdminProcedure(procedure))
    .map(([path]) => path),
);

/** `appRouter` without the administrators' procedures: what anyone else is served over HTTP. */
export const routerWithoutAdministration = router(
  Object.fromEntries(
    Object.entries(appRouter._def.procedures).filter(([path]) => !ADMIN_PROCEDURE_PATHS.has(path)),
  ) as typeof appRouter._def.procedures,
) as unknown as typeof appRouter;

/**
 * The administrators' REST routes as trpc-to-openapi matches them (`{name}` one segment, any case),
 * whatever the method: a request to one of these paths is served by the router its caller may see.
 */
const adminRestRoutes: RegExp[] = [...ADMIN_PROCEDURE_PATHS].flatMap((path) => {
  const meta = (procedures[path] as { _def: { meta?: OpenApiMeta } })._def.meta;
  const route = meta?.openapi?.path;
  if (!route) return [];
  const pattern = route.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
  return [new RegExp(`^${pattern}$`, "i")];
});

/** Whether a tRPC over HTTP call (`/trpc/<path>[,<path>…]`, already sliced to the paths) names an administrator's procedure. */
export function namesAdminProcedure(paths: string): boolean {
  let decoded = paths;
  try {
    decoded = decodeURIComponent(paths);
  } catch {
    // tRPC answers a malformed path BAD_REQUEST before it looks for any procedure.
  }
  return decoded.split(",").some((path) => ADMIN_PROCEDURE_PATHS.has(path));
}

/** Whether a REST request's path (`/api/v1/…`, no query) is one of an administrator's routes, for any method. */
export function isAdminRestPath(pathname: string): boolean {
  const path = `/${pathname.slice(REST_BASE_PATH.length).replace(/^\/+|\/+$/g, "")}`;
  return adminRestRoutes.some((route) => route.test(path));
}

/**
 * Which router a caller presenting `token` is served over HTTP: `appRouter` for an administrator,
 * `routerWithoutAdministration` for anyone else (no token, a bad, ended or revoked one, a member,
 * a bot). When the database does not answer, `appRouter`, whose procedures then answer 503 as
 * every other procedure does.
 */
export async function routerFor(deps: Deps, token: string | null): Promise<typeof appRouter> {
  if (!token) return routerWithoutAdministration;
  try {
    const actor = await authenticate(deps, token);
    return actor.role === "admin" ? appRouter : routerWithoutAdministration;
  } catch (error) {
    return isDatabaseUnavailable(error) ? appRouter : routerWithoutAdministration;
  }
}
