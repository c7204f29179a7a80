import { z } from "zod";
import { AppError } from "../errors";
import { MAX_ID } from "../schemas";

/**
 * The seeds spell one field many ways (`room_id`, `RoomID`, `roomId`; `user_id`, `UID`): request
 * keys are matched case-insensitively with `_` ignored, and a few seed names are aliases.
 */
const ALIASES: Record<string, string> = { uid: "userid", newname: "username", chatroomid: "roomid" };

export function normalizeKeys(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("BAD_INPUT", "the request body must be a JSON object");
  }
  // No prototype to reach through a key such as "__proto__" or "constructor".
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(body)) {
    const plain = key.replace(/_/g, "").toLowerCase();
    out[Object.hasOwn(ALIASES, plain) ? (ALIASES[plain] as string) : plain] = value;
  }
  return out;
}

/** An id as the seeds send it: a JSON number, or a string of digits (query strings, `"content"`). */
export const SeedId = z.preprocess(
  (v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v),
  z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .positive("must be positive")
    .max(MAX_ID, `must be at most ${MAX_ID}`),
);
