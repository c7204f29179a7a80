import { parseArgs } from "node:util";

/** The command line every peer server takes (no environment: the bench passes everything). */
export function peerArgs() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      redis: { type: "string", default: "redis://127.0.0.1:6379" },
      prefix: { type: "string", default: "bench:" },
      secret: { type: "string" },
      adapter: { type: "string", default: "classic" },
    },
  });
  if (!values.port || !values.secret) throw new Error("--port and --secret are required");
  return {
    port: Number(values.port),
    redisUrl: values.redis,
    prefix: values.prefix,
    secret: values.secret,
    adapter: values.adapter,
  };
}

/** The room a connection asks for in its upgrade URL (`?room=`), and its token (`?token=`). */
export function roomAndToken(url: string | undefined) {
  const params = new URL(url ?? "/", "http://localhost").searchParams;
  const room = Number(params.get("room"));
  return { room: Number.isSafeInteger(room) && room > 0 ? room : null, token: params.get("token") };
}

/** Peers answer SIGTERM by exiting, which also writes a `--cpu-prof` profile. */
export function exitOnSignal() {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
}
