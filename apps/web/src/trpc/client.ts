import type { AppRouter } from "@parley/api";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { createTRPCClient, httpBatchLink, type TRPCClient } from "@trpc/client";

export type ParleyClient = TRPCClient<AppRouter>;

/**
 * A typed tRPC client for the Parley API at `url` (the tRPC endpoint, e.g. `https://chat.example/trpc`).
 * `getToken` is asked before every request, so signing in or out takes effect without a new client;
 * when it returns a token it is sent as `Authorization: Bearer <token>`.
 */
export function createParleyClient(url: string, getToken: () => string | null): ParleyClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url,
        maxItems: MAX_BATCH_SIZE,
        headers() {
          const token = getToken();
          return token ? { Authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}
