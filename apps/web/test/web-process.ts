import { type RunningServer, runScript, startServer } from "@parley/realtime/testing";

export type WebProcess = RunningServer;

/** No database or Redis URL: the all-in-one mode, whatever the test's own environment holds. */
const allInOne = { DATABASE_URL: "", REDIS_URL: "" };

/** `apps/web/server.ts` as a real process, as `npm start` runs it; resolves once it listens. */
export const startWeb = (env: Record<string, string>): Promise<WebProcess> =>
  startServer("apps/web/server.ts", { ...allInOne, ...env });

/** Runs the web process to its end (it is expected to refuse to start), collecting what it prints. */
export const runWeb = (env: Record<string, string>) => runScript("apps/web/server.ts", [], { ...allInOne, ...env });
