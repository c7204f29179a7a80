import { hkdfSync } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { parse } from "cookie";
import { getToken } from "next-auth/jwt";

/**
 * The key next-auth encrypts session cookies with, when NEXTAUTH_SECRET is not set: derived from the
 * API's JWT secret (a separate key, same source), so every web process of a deployment agrees.
 */
export function deriveSessionSecret(jwtSecret: Uint8Array): string {
  return Buffer.from(hkdfSync("sha256", jwtSecret, new Uint8Array(0), "parley next-auth session cookie", 32)).toString(
    "base64url",
  );
}

export interface SessionCookieOptions {
  secret: string;
  /** Whether the site is served over https: next-auth then names the cookie `__Secure-…`. */
  secure: boolean;
  /** Whether a request from this browser origin may use the cookie. */
  originAllowed: (req: IncomingMessage) => boolean;
}

/**
 * Reads the Parley API token out of a request's next-auth session cookie, for tRPC over HTTP. A
 * cross-site request never authenticates by cookie (the cookie is SameSite=Lax as well). The token
 * is only decrypted here; the procedure checks it, revocation included, like any bearer token.
 */
export function sessionTokenReader({ secret, secure, originAllowed }: SessionCookieOptions) {
  return async (req: IncomingMessage): Promise<string | null> => {
    const header = req.headers.cookie;
    if (!header || !originAllowed(req)) return null;
    // Only the cookie: getToken would otherwise also try the Authorization header.
    const session = await getToken({
      req: { cookies: parse(header), headers: {} } as unknown as Parameters<typeof getToken>[0]["req"],
      secret,
      secureCookie: secure,
    });
    return typeof session?.apiToken === "string" ? session.apiToken : null;
  };
}
