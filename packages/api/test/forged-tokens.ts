import { createHmac, randomUUID } from "node:crypto";

const HASH_OF: Record<string, string> = { HS256: "sha256", HS384: "sha384", HS512: "sha512" };
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A JWT made by hand with node:crypto (HMAC, or `alg: none` with no signature), so that tests can
 * make the tokens a JWT library would refuse to make.
 */
export function signJwt(
  header: { alg: string; typ?: string },
  claims: Record<string, unknown>,
  secret: string | Uint8Array,
): string {
  const signed = `${part(header)}.${part(claims)}`;
  const hash = HASH_OF[header.alg];
  return hash ? `${signed}.${createHmac(hash, secret).update(signed).digest("base64url")}` : `${signed}.`;
}

/** Claims as the server signs them: for `userId`, valid for ten minutes from now. */
export function claimsFor(userId: number): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: String(userId), jti: randomUUID(), iat: now, exp: now + 600 };
}

/**
 * Tokens for `userId` that a server signing with `secret` must refuse, by what is wrong with each.
 * `genuine` is a token the server issued to somebody else: its payload is swapped for one naming
 * `userId`, once with the genuine signature kept and once re-signed with another key.
 */
export function forgedTokens(secret: string | Uint8Array, userId: number, genuine: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = claimsFor(userId);
  const hs256 = { alg: "HS256", typ: "JWT" };
  const otherKey = "another secret that is long enough for HS256";
  const [header, payload = "", signature] = genuine.split(".");
  const taken = { ...JSON.parse(Buffer.from(payload, "base64url").toString()), sub: String(userId) };
  return {
    "alg none": signJwt({ alg: "none", typ: "JWT" }, claims, secret),
    "HS512 with the server's key": signJwt({ alg: "HS512", typ: "JWT" }, claims, secret),
    "signed with another key": signJwt(hs256, claims, otherKey),
    expired: signJwt(hs256, { ...claims, iat: now - 7200, exp: now - 3600 }, secret),
    "without an expiry": signJwt(hs256, { ...claims, exp: undefined }, secret),
    "without iat": signJwt(hs256, { ...claims, iat: undefined }, secret),
    "issued in the future": signJwt(hs256, { ...claims, iat: now + 3600 }, secret),
    "another user's token with its payload swapped": `${header}.${part(taken)}.${signature}`,
    "another user's token re-signed with another key": signJwt(hs256, taken, otherKey),
    "a garbage signature": `${header}.${part(claims)}.forged`,
  };
}
