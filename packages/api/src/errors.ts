import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { ZodError } from "zod";

/** The few ways a request can fail, in the words of the domain rather than of a transport. */
export type AppErrorCode =
  | "BAD_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "TOO_LARGE"
  | "UNSUPPORTED"
  | "TOO_MANY"
  | "UNAVAILABLE";

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const trpcCodeOf: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_INPUT: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED: "UNSUPPORTED_MEDIA_TYPE",
  TOO_MANY: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

export const httpStatusOf: Record<AppErrorCode, number> = {
  BAD_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  UNSUPPORTED: 415,
  TOO_MANY: 429,
  UNAVAILABLE: 503,
};

/**
 * What a 413 says, on every transport: what was too large and the limit in bytes ("the request
 * body is too large: at most 1048576 bytes are accepted").
 */
export const tooLargeWords = (what: string, maxBytes: number) =>
  `${what} is too large: at most ${maxBytes} bytes are accepted`;

/** The largest request body tRPC over HTTP and the REST API read, in bytes (1 MiB): far above any valid input, far below harm. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} was not found`);

/** PostgreSQL's unique_violation, raised through either driver. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, constraint: name, constraint_name } = e as Record<string, unknown>;
    if (code === "23505") return !constraint || name === constraint || constraint_name === constraint;
  }
  return false;
}

/** A schema failure in words: "username: must be at least 2 characters; password: ...". */
export function readableIssues(error: ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/**
 * A failure to reach PostgreSQL (refused, reset, shut down, restarting) rather than a bug: the
 * request may simply be tried again (a send retried with its clientId is stored once).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code } = e as { code?: unknown };
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
  }
  return false;
}

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  // postgres.js
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now
  "57P01",
  "57P02",
  "57P03",
]);

/** What a request that failed because PostgreSQL is away is answered with. */
export const databaseUnavailable = () =>
  new AppError("UNAVAILABLE", "the database did not answer: try again in a moment");

/**
 * What a transport tells its client about an error: the HTTP status and the words. `ours` is true
 * for anything that is not the client's mistake; the message then says nothing of the cause, which
 * the transport logs instead.
 */
export function publicError(error: unknown): { status: number; message: string; ours: boolean } {
  if (isDatabaseUnavailable(error)) error = databaseUnavailable();
  if (error instanceof AppError) return { status: httpStatusOf[error.code], message: error.message, ours: false };
  if (error instanceof ZodError) return { status: 400, message: readableIssues(error), ours: false };
  return { status: 500, message: "something went wrong on our side", ours: true };
}
