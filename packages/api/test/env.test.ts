import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadApiConfig } from "../src/env";

describe("configuration", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-env-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("has safe local defaults: embedded database, in-process bus", async () => {
    const config = await loadApiConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      env: "development",
      db: { databaseUrl: undefined, dataDir, poolMax: 10 },
      redisUrl: undefined,
      auth: { tokenTtlSeconds: 604_800 },
      systemUserName: "system",
      errorUserName: "error",
    });
  });

  it("generates a development secret once and keeps it under DATA_DIR", async () => {
    const first = await loadApiConfig({ DATA_DIR: dataDir });
    const second = await loadApiConfig({ DATA_DIR: dataDir });
    expect(first.auth.secret.byteLength).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(second.auth.secret)).toEqual(Buffer.from(first.auth.secret));
    const stored = await readFile(path.join(dataDir, "jwt-secret"), "utf8");
    expect(new TextEncoder().encode(stored)).toEqual(first.auth.secret);
  });

  it("refuses to start in production without a strong JWT_SECRET", async () => {
    await expect(loadApiConfig({ NODE_ENV: "production", DATA_DIR: dataDir })).rejects.toThrow(
      /JWT_SECRET must be set/,
    );
    await expect(loadApiConfig({ NODE_ENV: "production", JWT_SECRET: "short" })).rejects.toThrow(/at least 32 bytes/);
    const ok = await loadApiConfig({ NODE_ENV: "production", JWT_SECRET: "s".repeat(32) });
    expect(ok.auth.secret.byteLength).toBe(32);
  });

  it("names every invalid setting at once", async () => {
    const error = await loadApiConfig({
      DATABASE_URL: "mysql://nope",
      REDIS_URL: "http://nope",
      TOKEN_TTL_SECONDS: "soon",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["DATABASE_URL", "REDIS_URL", "TOKEN_TTL_SECONDS"]) expect(message).toContain(name);
  });
});
