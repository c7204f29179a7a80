import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { seedRestConformance } from "@parley/realtime/testing/compat-rest";
import { seedWsConformance } from "@parley/realtime/testing/compat-ws";
import { startWeb } from "./web-process";

const JWT_SECRET = "an all-in-one compat secret of 32+ bytes";

/** A fresh all-in-one Parley: one process, embedded PGlite in a directory of its own, no Redis. */
async function freshAllInOne() {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-compat-"));
  const server = await startWeb({
    NODE_ENV: "production",
    JWT_SECRET,
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
  });
  return {
    ...server,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

seedRestConformance("all-in-one", freshAllInOne);

seedWsConformance("all-in-one: one process serves every client", async () => {
  const server = await freshAllInOne();
  return { a: server, b: server, jwtSecret: JWT_SECRET, stop: () => server.stop() };
});
