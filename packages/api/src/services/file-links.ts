import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Parley's own signed download links for the disk store:
 * `/files/<id>/content?v=original|thumbnail&u=<userId>&exp=<unix seconds>&sig=<HMAC-SHA256, base64url>`.
 * The signature covers the file, the variant, the user it was given to and the expiry, under a key
 * of its own derived from JWT_SECRET by a labelled HMAC (so a link key never signs a token, nor the
 * other way round). The download still checks that the user may read the file's room now: a link
 * given before someone left the room stops working when they leave.
 */

export type FileVariant = "original" | "thumbnail";

export interface FileLink {
  fileId: string;
  variant: FileVariant;
  userId: number;
  /** Unix time in seconds after which the link is refused. */
  expiresAt: number;
}

const LABEL = "parley file links v1";

/** The key file links are signed with, from the token secret: HMAC-SHA256(secret, label). */
export const fileLinkKey = (secret: Uint8Array): Buffer => createHmac("sha256", secret).update(LABEL).digest();

const signatureOf = (key: Uint8Array, link: FileLink) =>
  createHmac("sha256", key).update(`${link.fileId}\n${link.variant}\n${link.userId}\n${link.expiresAt}`).digest();

/** The link's path and query (relative to the server that gave it). */
export function signFileLink(key: Uint8Array, link: FileLink): string {
  const query = new URLSearchParams({
    v: link.variant,
    u: String(link.userId),
    exp: String(link.expiresAt),
    sig: signatureOf(key, link).toString("base64url"),
  });
  return `/files/${link.fileId}/content?${query}`;
}

/**
 * The link a query describes, if its signature is right (compared in constant time); "forged"
 * for a wrong or malformed one, "expired" when `now` (unix seconds) is past its expiry.
 */
export function verifyFileLink(
  key: Uint8Array,
  fileId: string,
  query: URLSearchParams,
  now: number,
): FileLink | "forged" | "expired" {
  const variant = query.get("v");
  const userId = Number(query.get("u"));
  const expiresAt = Number(query.get("exp"));
  const sig = query.get("sig") ?? "";
  if ((variant !== "original" && variant !== "thumbnail") || !Number.isSafeInteger(userId)) return "forged";
  if (!Number.isSafeInteger(expiresAt) || !/^[\w-]{43}$/.test(sig)) return "forged";
  const link: FileLink = { fileId, variant, userId, expiresAt };
  const given = Buffer.from(sig, "base64url");
  const expected = signatureOf(key, link);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "forged";
  return expiresAt < now ? "expired" : link;
}
