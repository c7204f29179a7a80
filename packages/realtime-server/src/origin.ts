import type { IncomingMessage } from "node:http";

/**
 * Whether a browser request may act with the credentials it carries: no Origin header (not a
 * browser; it authenticates with its token), an origin on the allowlist, or the server's own.
 */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
