import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
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
