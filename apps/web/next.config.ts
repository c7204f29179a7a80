import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The workspace packages ship TypeScript sources (their `exports` point at src/*.ts).
  transpilePackages: ["@parley/api", "@parley/ui", "@parley/db"],
};

export default nextConfig;
