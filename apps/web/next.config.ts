import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // `.next/standalone`: the production server and only the node_modules it needs, which the web
  // image is made of (apps/web/Dockerfile). Traced from the repo root, where the workspace's
  // node_modules are.
  output: "standalone",
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
  // The workspace packages ship TypeScript sources (their `exports` point at src/*.ts).
  transpilePackages: ["@parley/api", "@parley/ui", "@parley/db"],
  // Loaded by Node at run time rather than bundled: native code, WebAssembly, and drivers that the
  // server bundle reaches only through the runtime that server.ts created.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "postgres",
    "ioredis",
    "@node-rs/argon2",
    "pino",
    "prom-client",
    "rate-limiter-flexible",
    "proxy-addr",
  ],
};

export default nextConfig;
