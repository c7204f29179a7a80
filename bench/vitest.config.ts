import { defineConfig } from "vitest/config";

export default defineConfig({
  // The smoke profile starts every system in turn and a second Parley for the flood workload:
  // about two minutes on the 2-core CI machine, so the limit leaves room for a slow day.
  test: { include: ["test/**/*.test.ts"], testTimeout: 300_000, hookTimeout: 120_000 },
});
