import { randomBytes } from "node:crypto";
import { createTestDatabase } from "@parley/db/testing";
import { seedRestConformance } from "./compat-rest-suite";
import { seedWsConformance } from "./compat-ws-suite";
import { startRealtime, startRedis } from "./processes";

const SECRET = "a compat test secret, 32 bytes or more!!";

/** The seed conformance suites against the scaled mode: realtime instances on PostgreSQL (and Redis). */
seedRestConformance("scaled: a realtime instance on PostgreSQL", async () => {
  const database = await createTestDatabase("postgres");
  const server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: SECRET });
  return {
    ...server,
    async stop() {
      await server.stop();
      await database.dispose();
    },
  };
});

seedWsConformance("scaled: two realtime instances on PostgreSQL and Redis", async () => {
  const database = await createTestDatabase("postgres");
  const redis = await startRedis();
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
    JWT_SECRET: SECRET,
  };
  const [a, b] = await Promise.all([startRealtime(shared), startRealtime(shared)]);
  return {
    a,
    b,
    jwtSecret: SECRET,
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      await redis.stop();
      await database.dispose();
    },
  };
});
