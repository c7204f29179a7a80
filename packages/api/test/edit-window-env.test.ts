import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadApiConfig } from "../src/env";

describe("MESSAGE_EDIT_WINDOW", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-env-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("is unlimited unless set, and when set to 0 or empty", async () => {
    for (const value of [undefined, "", "0"]) {
      const config = await loadApiConfig({ DATA_DIR: dataDir, MESSAGE_EDIT_WINDOW: value });
      expect(config.messageEditWindowSeconds).toBeNull();
    }
  });

  it("is a whole number of seconds", async () => {
    expect((await loadApiConfig({ DATA_DIR: dataDir, MESSAGE_EDIT_WINDOW: "900" })).messageEditWindowSeconds).toBe(900);
    for (const value of ["soon", "-1", "1.5"]) {
      const error = await loadApiConfig({ DATA_DIR: dataDir, MESSAGE_EDIT_WINDOW: value }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain("MESSAGE_EDIT_WINDOW");
    }
  });
});
