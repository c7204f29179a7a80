import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "@parley/realtime/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { argsOf, cmdOf, copiesOf, envOf, readDockerfile } from "./dockerfile";

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  deploy?: { replicas?: number };
  restart?: string;
}

/**
 * The production topology as written (Docker cannot run here): the compose file's services and how
 * they depend on each other, and the gateway's routes. `gateway.test.ts` runs the same gateway
 * configuration in front of the same processes.
 */
describe("the compose file and the gateway configuration", () => {
  let services: Record<string, Service>;
  let anchors: string;
  let nginx: string;
  let envExample: string;

  beforeAll(async () => {
    anchors = await readFile(path.join(repoRoot, "docker-compose.yml"), "utf8");
    services = (parse(anchors, { merge: true }) as { services: Record<string, Service> }).services;
    nginx = await readFile(path.join(repoRoot, "deploy/nginx.conf"), "utf8");
    envExample = await readFile(path.join(repoRoot, ".env.example"), "utf8");
  });

  it("runs PostgreSQL and Redis with healthchecks and volumes, a one-shot migration, web, two realtime replicas and the gateway", () => {
    expect(Object.keys(services).sort()).toEqual(["gateway", "migrate", "postgres", "realtime", "redis", "web"]);
    for (const name of ["postgres", "redis"]) {
      expect(services[name]?.healthcheck?.test.length, `${name} healthcheck`).toBeGreaterThan(0);
      expect(services[name]?.volumes?.length, `${name} volume`).toBeGreaterThan(0);
    }
    expect(services.migrate?.command).toEqual(["node", "migrate.mjs"]);
    expect(services.migrate?.restart).toBe("no");
    expect(services.realtime?.deploy?.replicas).toBe(2);
    for (const app of ["web", "realtime"]) {
      expect(services[app]?.depends_on?.migrate?.condition, `${app} waits for the migration`).toBe(
        "service_completed_successfully",
      );
      expect(services[app]?.healthcheck?.test.join(" "), `${app} is healthy when ready`).toContain("/readyz");
    }
    expect(services.web?.environment?.WEB_WEBSOCKET).toBe("off");
    expect(services.gateway?.ports).toEqual(["8080:8080"]);
    expect(services.gateway?.volumes).toContain("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro");
    // Only the gateway is published: the apps and the stores stay on the private network.
    for (const [name, service] of Object.entries(services))
      if (name !== "gateway") expect(service.ports, name).toBeUndefined();
  });

  it("builds each app from its own multi-stage Dockerfile, whose last stage holds only the build's output", async () => {
    const dockerfiles = {
      web: "apps/web/Dockerfile",
      realtime: "apps/realtime/Dockerfile",
      migrate: "apps/realtime/Dockerfile",
    };
    for (const [service, dockerfile] of Object.entries(dockerfiles))
      expect(services[service]?.build, service).toEqual({ context: ".", dockerfile });
    for (const dockerfile of new Set(Object.values(dockerfiles))) {
      const { build, final } = await readDockerfile(dockerfile);
      expect(argsOf(build, "RUN").join("\n"), dockerfile).toMatch(/npm ci[\s\S]*npm run (build|bundle)/);
      expect([build.image, final.image], dockerfile).toEqual(["node:20-slim", "node:20-slim"]);
      expect(argsOf(final, "USER").at(-1), dockerfile).toBe("node");
      expect(envOf(final).NODE_ENV, dockerfile).toBe("production");
      // Plain Node on the build's output: no npm, no tsx, no dev dependencies in the image itself.
      expect(cmdOf(final)[0], dockerfile).toBe("node");
      expect(argsOf(final, "RUN").join("\n"), dockerfile).not.toMatch(/\bnpm\b|\bnpx\b/);
      for (const copy of copiesOf(final)) expect(copy.from, dockerfile).toBe(build.name);
    }
    const { final: web } = await readDockerfile(dockerfiles.web);
    expect(copiesOf(web).flatMap((copy) => copy.sources)).toEqual(["/app/apps/web/.next/standalone"]);
    expect(cmdOf(web)).toEqual(["node", "apps/web/server.mjs"]);
  });

  it("takes every secret from the environment, and documents it in .env.example", () => {
    for (const secret of ["JWT_SECRET", "POSTGRES_PASSWORD"]) {
      expect(anchors, `${secret} must be required`).toContain(`\${${secret}:?`);
      expect(envExample).toMatch(new RegExp(`^${secret}=$`, "m"));
    }
    expect(anchors).not.toMatch(/POSTGRES_PASSWORD: postgres\b/);
    expect(services.web?.environment?.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
    expect(services.realtime?.environment?.TRUST_PROXY).toBe("uniquelocal"); // the gateway's X-Forwarded-For
  });

  it("routes WebSocket upgrades to realtime with long timeouts, everything else to web, and hides /metrics", () => {
    /** A `location` block, up to its own closing brace (blocks nest: `if (…) { … }`). */
    const location = (pattern: string) => {
      const start = nginx.indexOf(`location ${pattern}`);
      expect(start, `location ${pattern}`).toBeGreaterThanOrEqual(0);
      let depth = 0;
      for (let i = nginx.indexOf("{", start); i < nginx.length; i++) {
        if (nginx[i] === "{") depth++;
        if (nginx[i] === "}" && --depth === 0) return nginx.slice(start, i + 1);
      }
      throw new Error(`location ${pattern} is not closed`);
    };
    const sockets = location("~ ^/(trpc|ws|chats/[^/]+)$");
    expect(sockets).toContain("proxy_pass http://realtime;");
    expect(sockets).toContain("proxy_set_header Upgrade $http_upgrade;");
    expect(sockets).toMatch(/proxy_read_timeout \d+h;/);
    expect(sockets).toMatch(/proxy_send_timeout \d+h;/);
    expect(sockets).toContain("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;");
    expect(location("/ {")).toContain("proxy_pass http://web;");
    expect(location("= /metrics")).toContain("return 404;");
    expect(nginx).toMatch(/upstream realtime \{\s*server realtime:3001;/);
    expect(nginx).toMatch(/upstream web \{\s*server web:3000;/);
  });
});

/**
 * What a newcomer reads comes with the repository: no document, comment or test points at a file
 * outside it (such as the seeds' contract in a directory beside it), and every relative link of the Markdown documents
 * leads to a file that exists.
 */
describe("the repository's documents", () => {
  const tracked = () =>
    execFileSync("git", ["ls-files", "-z"], { cwd: repoRoot, encoding: "utf8" })
      .split("\0")
      .filter((file) => /\.(md|ts|tsx|mjs|conf|yml|json)$/.test(file) && !file.endsWith("package-lock.json"));

  /** A path into the shared directory beside the repository, or the name of its contract; spelled in pieces, so that this file does not match. */
  const outsideReference = new RegExp(`${["\\.\\.", "shared"].join("/")}\\b|${["COMPAT", "md"].join("\\.")}`);

  it("points at nothing outside the repository", async () => {
    const outside = [];
    for (const file of tracked()) {
      const text = await readFile(path.join(repoRoot, file), "utf8").catch(() => "");
      if (outsideReference.test(text)) outside.push(file);
    }
    expect(outside).toEqual([]);
  });

  it("links only to files that exist", async () => {
    const broken = [];
    for (const file of tracked().filter((f) => f.endsWith(".md"))) {
      const text = await readFile(path.join(repoRoot, file), "utf8");
      for (const [, target = ""] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // a web address
        if (!existsSync(path.resolve(repoRoot, path.dirname(file), target))) broken.push(`${file} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
