import { runScript } from "@parley/realtime/testing";
import { expect, test } from "vitest";

test("--help prints the usage and exits 0, before starting anything", async () => {
  const run = await runScript("bench/src/main.ts", ["--help"], {});
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^Usage: npm run bench -- \[options\]/);
  expect(run.stdout).toContain("--only <list>");
  expect(run.stdout).toContain("fanout,connections,send,store");
});

test.each([
  [["--bogus"], /Unknown option '--bogus'/],
  [["--only", "fanout,nope"], /unknown workload nope/],
  [["--systems", "parley,mattermost"], /unknown system mattermost/],
  [["--profile", "huge"], /--profile must be one of smoke, quick, full/],
  [["--people-steps", "200,lots"], /--people-steps must be whole numbers of people/],
])("%j is refused in plain words with the usage, exit code 2, no stack trace", async (args, message) => {
  const run = await runScript("bench/src/main.ts", args, {});
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toContain("Usage: npm run bench");
  expect(run.stderr).not.toMatch(/\n\s+at /);
});
