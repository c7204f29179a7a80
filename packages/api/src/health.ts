import { sql } from "drizzle-orm";
import type { Deps } from "./deps";

export interface Readiness {
  ready: boolean;
  /** Each dependency: "ok", or what went wrong. */
  checks: Record<string, string>;
}

/** How long a dependency may take to answer a readiness check. */
const CHECK_TIMEOUT_MS = 1000;

/**
 * Whether this process can serve: PostgreSQL answers, and Redis too when the bus runs over it
 * (the scaled mode). Load balancers send traffic only to a ready process (`GET /readyz`);
 * `GET /healthz` says only that the process is up.
 */
export async function readiness(deps: Pick<Deps, "db" | "bus">): Promise<Readiness> {
  const checks: [string, () => Promise<unknown>][] = [["postgres", () => deps.db.execute(sql`select 1`)]];
  const { ping } = deps.bus;
  if (ping) checks.push(["redis", () => ping.call(deps.bus)]);
  const results = await Promise.all(checks.map(async ([name, check]) => [name, await answered(check)] as const));
  return { ready: results.every(([, result]) => result === "ok"), checks: Object.fromEntries(results) };
}

async function answered(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
