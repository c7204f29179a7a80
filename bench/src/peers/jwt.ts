import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * HS256 tokens for the peers. The peers check the signature only (no database), which is less
 * than Parley does on every connection (it also loads the user and checks revocation).
 */
const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export function signToken(secret: string, userId: number): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ sub: String(userId), iat: Math.floor(Date.now() / 1000) }));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/** The token's user id, or null when the signature does not match. */
export function verifyToken(secret: string, token: string | null | undefined): number | null {
  const [header, payload, signature] = (token ?? "").split(".");
  if (!header || !payload || !signature) return null;
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const sub = Number((JSON.parse(Buffer.from(payload, "base64url").toString()) as { sub?: string }).sub);
  return Number.isSafeInteger(sub) ? sub : null;
}
