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
      redis: undefined,
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

  it("takes a Redis Cluster's seed nodes from REDIS_CLUSTER_NODES, never together with REDIS_URL", async () => {
    const cluster = await loadApiConfig({
      DATA_DIR: dataDir,
      REDIS_CLUSTER_NODES: " 10.0.0.1:7000, redis-2.internal:7001,[::1]:7002 ",
    });
    expect(cluster.redis).toEqual({
      clusterNodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "redis-2.internal", port: 7001 },
        { host: "::1", port: 7002 },
      ],
    });
    const single = await loadApiConfig({ DATA_DIR: dataDir, REDIS_URL: "redis://127.0.0.1:6379" });
    expect(single.redis).toBe("redis://127.0.0.1:6379");

    const both = await loadApiConfig({
      DATA_DIR: dataDir,
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_CLUSTER_NODES: "127.0.0.1:7000",
    }).catch((e: unknown) => e);
    expect(both).toBeInstanceOf(ConfigError);
    expect(String(both)).toMatch(/REDIS_URL and REDIS_CLUSTER_NODES are both set/);

    for (const bad of ["127.0.0.1", "redis://127.0.0.1:7000", "127.0.0.1:0", "127.0.0.1:7000,host:99999", ","]) {
      const error = await loadApiConfig({ DATA_DIR: dataDir, REDIS_CLUSTER_NODES: bad }).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(String(error), bad).toContain("REDIS_CLUSTER_NODES must be host:port entries");
    }
  });

  it("keeps files under DATA_DIR/files by default, 25 MiB at most, links for 5 minutes", async () => {
    const config = await loadApiConfig({ DATA_DIR: dataDir });
    expect(config.files).toEqual({
      maxBytes: 25 * 1024 * 1024,
      urlTtlSeconds: 300,
      dir: path.resolve(dataDir, "files"),
      s3: null,
    });
    expect(config.limits.uploadsPerUser).toEqual({ points: 30, seconds: 60 });
  });

  it("takes S3 settings whole, and names what is missing from partial ones", async () => {
    const s3 = {
      S3_BUCKET: "parley",
      S3_REGION: "auto",
      S3_ENDPOINT: "https://account.r2.cloudflarestorage.com",
      S3_ACCESS_KEY_ID: "key",
      S3_SECRET_ACCESS_KEY: "secret",
      S3_FORCE_PATH_STYLE: "true",
    };
    const config = await loadApiConfig({ DATA_DIR: dataDir, ...s3, UPLOAD_MAX_BYTES: "1000" });
    expect(config.files).toMatchObject({
      maxBytes: 1000,
      s3: { bucket: "parley", region: "auto", endpoint: s3.S3_ENDPOINT, forcePathStyle: true },
    });
    const partial = await loadApiConfig({ DATA_DIR: dataDir, S3_BUCKET: "parley", S3_ACCESS_KEY_ID: "key" }).catch(
      (e: unknown) => e,
    );
    expect(partial).toBeInstanceOf(ConfigError);
    expect((partial as Error).message).toMatch(/S3_REGION, S3_SECRET_ACCESS_KEY/);
    expect((partial as Error).message).not.toMatch(/S3_BUCKET,|S3_ACCESS_KEY_ID,/);
    const invalid = await loadApiConfig({
      DATA_DIR: dataDir,
      UPLOAD_MAX_BYTES: "lots",
      S3_FORCE_PATH_STYLE: "yes",
    }).catch((e: unknown) => e);
    expect((invalid as Error).message).toMatch(/UPLOAD_MAX_BYTES must be a number of bytes/);
    expect((invalid as Error).message).toMatch(/S3_FORCE_PATH_STYLE must be true or false/);
  });
});
