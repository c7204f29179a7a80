import { readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "@parley/realtime/testing";

/** One stage of a Dockerfile: `FROM <image> [AS <name>]` and its instructions, comments left out. */
export interface Stage {
  image: string;
  name: string | undefined;
  instructions: { keyword: string; args: string }[];
}

/** A `COPY`: where from (a stage's name, or the build context), its sources and its destination. */
export interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}

/**
 * A multi-stage Dockerfile (path from the repo root): its first stage, which builds, and its last,
 * the image. Read as far as Parley's Dockerfiles need: no heredocs, no quoted arguments.
 */
export async function readDockerfile(file: string): Promise<{ build: Stage; final: Stage }> {
  const text = await readFile(path.join(repoRoot, file), "utf8");
  const stages: Stage[] = [];
  for (const line of text.replace(/\\\n/g, " ").split("\n")) {
    const match = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    const keyword = (match[1] ?? "").toUpperCase();
    const args = match[2] ?? "";
    if (keyword === "FROM") {
      const [image = "", , name] = args.split(/\s+/);
      stages.push({ image, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  const [build, final] = [stages[0], stages.at(-1)];
  if (!build || !final || build === final) throw new Error(`${file} is not multi-stage`);
  return { build, final };
}

/** The arguments of a stage's instructions with this keyword, in order. */
export const argsOf = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** The variables a stage's `ENV` lines set (the `KEY=value …` form, values without spaces). */
export const envOf = (stage: Stage): Record<string, string> =>
  Object.fromEntries(
    argsOf(stage, "ENV").flatMap((args) =>
      args.split(/\s+/).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    ),
  );

export const copiesOf = (stage: Stage): Copy[] =>
  argsOf(stage, "COPY").map((args) => {
    const words = args.split(/\s+/);
    const paths = words.filter((word) => !word.startsWith("--"));
    const from = words.find((word) => word.startsWith("--from="))?.slice("--from=".length);
    return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? "" };
  });

/** The last `WORKDIR` of a stage. */
export const workdirOf = (stage: Stage): string => argsOf(stage, "WORKDIR").at(-1) ?? "/";

/** The stage's `CMD`, in its exec (JSON) form. */
export const cmdOf = (stage: Stage): string[] => JSON.parse(argsOf(stage, "CMD").at(-1) ?? "[]") as string[];
