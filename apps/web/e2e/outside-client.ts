import type { AppRouter } from "@parley/api";
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";

/**
 * A client outside the browser, as a script or another app would be: the seed REST compatibility
 * layer and tRPC over plain HTTP, against the web process.
 */

/** `POST /login` (seed REST): the API token of a user, by username or e-mail. */
export async function restLogin(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`POST /login answered ${response.status}: ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  return token;
}

/** `POST /register` (seed REST): a new user; answers with its API token. */
export async function restRegister(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`POST /register answered ${response.status}: ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  return token;
}

/** `PUT /join` (seed REST). */
export async function restJoin(baseUrl: string, token: string, roomId: number): Promise<void> {
  const response = await fetch(`${baseUrl}/join`, {
    method: "PUT",
    headers: { authorization: token, "content-type": "application/json" },
    body: JSON.stringify({ room_id: roomId }),
  });
  if (!response.ok) throw new Error(`PUT /join answered ${response.status}: ${await response.text()}`);
}

/** A typed tRPC client over plain HTTP with a bearer token. */
export function trpcOverHttp(baseUrl: string, token: string): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${baseUrl}/trpc`, headers: () => ({ authorization: `Bearer ${token}` }) })],
  });
}
