import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Database } from "@parley/db";
import { createTestDatabase, testRedisUrl } from "@parley/db/testing";
import {
  freePort,
  type RunningS3,
  type RunningServer,
  restartablePort,
  startRealtime,
  startS3,
  startServer,
} from "@parley/realtime/testing";

/** Every process of a stack signs and checks tokens (and next-auth its cookies) with this. */
const JWT_SECRET = "an end-to-end test secret, 32 bytes or more";

/** The most messages a resumed subscription replays in these stacks (default 1000). */
export const RESUME_MAX_EVENTS = 40;

/** What every process of a stack is started with, whatever the environment of the test run holds. */
const common = {
  NODE_ENV: "production",
  HOST: "127.0.0.1",
  JWT_SECRET,
  // Logouts reach open sockets through the bus at once; this is the slower check behind it.
  SESSION_CHECK_MS: "500",
  // Small enough that a test can miss more than a resumed stream replays, and see the page reset.
  RESUME_MAX_EVENTS: String(RESUME_MAX_EVENTS),
  NEXT_TELEMETRY_DISABLED: "1",
  LOG_LEVEL: "info",
  // Outgoing webhooks' receivers in these tests listen on 127.0.0.1, and a retry should come soon.
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_RETRY_DELAY_SECONDS: "1",
};

/** The realtime process of a scaled stack, which a test may stop and start again on the same port. */
export interface RealtimeControl {
  /** `http://127.0.0.1:<port>`; the browser opens `ws://127.0.0.1:<port>/trpc`. */
  readonly url: string;
  readonly running: boolean;
  /** SIGTERM (clients are asked to reconnect) or SIGKILL (connections simply drop); resolves once it exited. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Starts it again on the same port; resolves once it listens. */
  start(): Promise<void>;
  restart(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Everything the realtime process printed, across restarts. */
  output(): string;
}

export interface Stack {
  mode: "scaled" | "all-in-one";
  /** The web process, where the browser goes: `http://127.0.0.1:<port>`. */
  webUrl: string;
  /** The separate realtime process (scaled mode); null when the web process serves WebSockets itself. */
  realtime: RealtimeControl | null;
  /** Everything the web process printed. */
  webOutput(): string;
  /**
   * The stack's database (scaled mode; null all-in-one), for what a test cannot do through the UI
   * or the API: messages written on earlier days, or more than the send rate allows.
   */
  db: Database | null;
  stop(): Promise<void>;
}

/** A free port for the web process, and one for the realtime process that tests restart on it. */
async function twoPorts(): Promise<[number, number]> {
  const web = await freePort();
  let realtime = await restartablePort();
  while (realtime === web) realtime = await restartablePort();
  return [web, realtime];
}

const startWeb = (port: number, env: Record<string, string>) =>
  startServer("apps/web/server.ts", {
    ...common,
    PORT: String(port),
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    ...env,
  });

/**
 * The scaled topology, as real processes: a fresh PostgreSQL database, the shared Redis under a
 * prefix of this stack's own, shared files in an S3 bucket (s3rver, its own process, spoken to by
 * the AWS SDK; the browser loads and downloads files from it through presigned links), one web
 * process (production build, no WebSockets) and one realtime process that the browser reaches
 * through `REALTIME_PUBLIC_URL` (on `publicRealtimePort`, a proxy's in front of it, when given).
 */
export async function startScaledStack(options: { publicRealtimePort?: number } = {}): Promise<Stack> {
  const [webPort, realtimePort] = await twoPorts();
  // Uploads arrive in DATA_DIR/files/tmp before they go to the bucket; s3rver keeps its objects beside.
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-e2e-"));
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let s3: RunningS3 | undefined;
  try {
    [database, s3] = await Promise.all([createTestDatabase("postgres"), startS3(path.join(dataDir, "s3"))]);
  } catch (error) {
    await Promise.all([database?.dispose(), s3?.stop()]);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: `e2e${randomBytes(4).toString("hex")}:`,
    DATA_DIR: path.join(dataDir, "parley"),
    ...s3.settings,
  };
  const bucket = s3;
  const db = database;
  const realtimeEnv = {
    ...common,
    ...shared,
    REALTIME_PORT: String(realtimePort),
    ALLOWED_ORIGINS: `http://127.0.0.1:${webPort}`,
  };

  let realtime: RunningServer | null = null;
  let realtimeOutput = "";
  const stopRealtime = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
    const current = realtime;
    if (!current) return;
    realtime = null;
    const exited = current.process.exitCode !== null || current.process.signalCode !== null;
    if (!exited) {
      await new Promise<void>((resolve) => {
        current.process.once("exit", () => resolve());
        current.process.kill(signal);
      });
    }
    realtimeOutput += current.output();
  };
  const startRealtimeProcess = async () => {
    if (realtime) throw new Error("the realtime process is already running");
    realtime = await startRealtime(realtimeEnv);
  };

  let web: RunningServer | null = null;
  try {
    [web] = await Promise.all([
      startWeb(webPort, {
        ...shared,
        WEB_WEBSOCKET: "off",
        REALTIME_PUBLIC_URL: `ws://127.0.0.1:${options.publicRealtimePort ?? realtimePort}/trpc`,
      }),
      startRealtimeProcess(),
    ]);
  } catch (error) {
    await Promise.all([web?.stop(), stopRealtime()]);
    await Promise.all([db.dispose(), bucket.stop()]);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const running = web;

  const control: RealtimeControl = {
    url: `http://127.0.0.1:${realtimePort}`,
    get running() {
      return realtime !== null;
    },
    stop: stopRealtime,
    start: startRealtimeProcess,
    async restart(signal) {
      await stopRealtime(signal);
      await startRealtimeProcess();
    },
    output: () => realtimeOutput + (realtime?.output() ?? ""),
  };
  return {
    mode: "scaled",
    webUrl: running.url,
    realtime: control,
    webOutput: () => running.output(),
    db: db.handle.db,
    async stop() {
      await Promise.all([running.stop(), stopRealtime()]);
      await Promise.all([db.dispose(), bucket.stop()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The all-in-one process alone: no PostgreSQL (embedded PGlite in a temporary directory), no
 * Redis, WebSockets on the same port (`REALTIME_PUBLIC_URL` unset: the browser uses `/trpc` there).
 */
export async function startAllInOneStack(): Promise<Stack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-e2e-"));
  const [port] = await twoPorts();
  let web: RunningServer;
  try {
    web = await startWeb(port, { DATABASE_URL: "", REDIS_URL: "", DATA_DIR: dataDir, WEB_WEBSOCKET: "on" });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    mode: "all-in-one",
    webUrl: web.url,
    realtime: null,
    webOutput: () => web.output(),
    db: null,
    async stop() {
      await web.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
