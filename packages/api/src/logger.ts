import { type Logger, pino } from "pino";

export type { Logger };

/**
 * An error as logged: pino's standard shape, without the SQL parameters a database error carries
 * (postgres.js's `parameters`, drizzle's `params`, at any depth of `cause`): they may hold a
 * password hash, a token's hash or a webhook's signing secret, and no secret is ever logged.
 * The statement's text (`query`) stays.
 */
export function loggedError(error: unknown): unknown {
  const serialized = error instanceof Error ? pino.stdSerializers.err(error) : error;
  if (!serialized || typeof serialized !== "object") return serialized;
  const { parameters: _parameters, params: _params, cause, ...rest } = serialized as Record<string, unknown>;
  return cause === undefined ? rest : { ...rest, cause: loggedError(cause) };
}

/** One JSON logger per process, named after the app that runs it; errors under `err` as `loggedError` shapes them. */
export const createLogger = (name: string, level: string): Logger =>
  pino({ name, level, serializers: { err: loggedError } });
