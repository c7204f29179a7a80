import type { Deps } from "./deps";

/** What every procedure sees, whatever the transport: the dependencies and the caller's token. */
export interface Context {
  deps: Deps;
  /** The bearer token the caller presented, if any; checked lazily by `authedProcedure`. */
  token: string | null;
}

export function createContext(deps: Deps, token: string | null | undefined): Context {
  return { deps, token: token || null };
}

/**
 * A token from `Authorization: Bearer <jwt>` or a bare `Authorization: <jwt>` (as the seed
 * clients send it).
 */
export function tokenFromAuthorization(header: string | null | undefined): string | null {
  const value = header?.trim();
  if (!value) return null;
  const match = /^bearer\s+(.+)$/i.exec(value);
  return (match ? match[1] : value)?.trim() || null;
}
