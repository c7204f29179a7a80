"use client";

import type { AppRouter } from "@parley/api";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import type { ConnectionState } from "@parley/ui";
import { IconProvider } from "@parley/ui";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from "@trpc/client";
import { type ReactNode, useEffect, useState } from "react";
import { leaveForSignIn } from "./end-session";
import { isSessionEnded } from "./errors";
import { parleyIcons } from "./icons";
import { ConnectionContext, SetViewerContext, type Viewer, ViewerContext } from "./session-context";
import { TRPCProvider } from "./trpc";

export interface ChatProvidersProps {
  viewer: Viewer;
  /** The API token from the session, for the WebSocket's `connectionParams`. */
  apiToken: string;
  /** The tRPC WebSocket URL; null: this origin's `/trpc`. */
  realtimeUrl: string | null;
  children: ReactNode;
}

function sameOriginRealtimeUrl(): string {
  return `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/trpc`;
}

/**
 * The signed-in app's plumbing: queries and mutations over HTTP (authenticated by the session
 * cookie), subscriptions over one WebSocket (authenticated by the API token), and the state of
 * that socket for the connection badge.
 */
export function ChatProviders({ viewer: signedIn, apiToken, realtimeUrl, children }: ChatProvidersProps) {
  // The session's name when the page was drawn, then whatever the viewer's own stream says of it.
  const [viewer, setViewer] = useState(signedIn);
  useEffect(() => setViewer((now) => ({ ...now, ...signedIn })), [signedIn]);
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 30_000, retry: (count, error) => !isSessionEnded(error) && count < 2 },
        },
        queryCache: new QueryCache({ onError: (error) => isSessionEnded(error) && leaveForSignIn() }),
        mutationCache: new MutationCache({ onError: (error) => isSessionEnded(error) && leaveForSignIn() }),
      }),
  );
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [clients] = useState(() => {
    // Server rendering has no socket to open (and runs no subscriptions): the browser opens it.
    const ws =
      typeof window === "undefined"
        ? null
        : createWSClient({
            url: realtimeUrl ?? sameOriginRealtimeUrl(),
            connectionParams: () => ({ token: apiToken }),
            // A socket the server closed because the session ended must not come back.
            onClose: (cause) => cause?.code === 4401 && leaveForSignIn(),
          });
    const http = httpBatchLink({ url: "/trpc", maxItems: MAX_BATCH_SIZE });
    const trpc = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === "subscription",
          true: ws ? wsLink({ client: ws }) : http,
          false: http,
        }),
      ],
    });
    return { ws, trpc };
  });

  useEffect(() => {
    let connectedOnce = false;
    if (!clients.ws) return;
    const subscription = clients.ws.connectionState.subscribe({
      next(state) {
        if (state.state === "pending") {
          connectedOnce = true;
          setConnection("connected");
        } else {
          setConnection(connectedOnce ? "reconnecting" : "connecting");
        }
      },
    });
    return () => subscription.unsubscribe();
  }, [clients]);

  useEffect(() => () => void clients.ws?.close(), [clients]);

  return (
    <ViewerContext.Provider value={viewer}>
      <SetViewerContext.Provider value={setViewer}>
        <ConnectionContext.Provider value={connection}>
          <QueryClientProvider client={queryClient}>
            <TRPCProvider trpcClient={clients.trpc} queryClient={queryClient}>
              <IconProvider icons={parleyIcons}>{children}</IconProvider>
            </TRPCProvider>
          </QueryClientProvider>
        </ConnectionContext.Provider>
      </SetViewerContext.Provider>
    </ViewerContext.Provider>
  );
}
