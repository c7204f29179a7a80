"use client";

import type { AppRouter } from "@parley/api";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import type { ConnectionState } from "@parley/ui";
import { FileLightboxProvider, IconProvider } from "@parley/ui";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from "@trpc/client";
import { type ReactNode, useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { leaveForSignIn } from "./end-session";
import { isSessionEnded } from "./errors";
import { parleyIcons } from "./icons";
import { KEEP_ALIVE, linkControl, onNetworkChance } from "./link-health";
import { OutboxProvider } from "./outbox";
import { PresenceProvider } from "./presence";
import { ConnectionContext, SetViewerContext, type Viewer, ViewerContext } from "./session-context";
import { TRPCProvider } from "./trpc";
import { UploadLimitContext } from "./use-uploads";

export interface ChatProvidersProps {
  viewer: Viewer;
  /** The API token from the session, for the WebSocket's `connectionParams`. */
  apiToken: string;
  /** The tRPC WebSocket URL; null: this origin's `/trpc`. */
  realtimeUrl: string | null;
  /** The server's UPLOAD_MAX_BYTES: the composer refuses a bigger file before uploading it. */
  uploadMaxBytes: number;
  children: ReactNode;
}

function sameOriginRealtimeUrl(): string {
  return `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/trpc`;
}

function watchOnline(changed: () => void): () => void {
  window.addEventListener("online", changed);
  window.addEventListener("offline", changed);
  return () => {
    window.removeEventListener("online", changed);
    window.removeEventListener("offline", changed);
  };
}

/** Whether the browser says it has a network (`navigator.onLine`); true while rendering on the server. */
const useBrowserOnline = () =>
  useSyncExternalStore(
    watchOnline,
    () => navigator.onLine,
    () => true,
  );

/**
 * The signed-in app's plumbing: queries and mutations over HTTP (authenticated by the session
 * cookie), subscriptions over one WebSocket (authenticated by the API token) that pings the server
 * and reconnects promptly (`linkControl`), the state of that socket for the connection badge, and
 * the tab's queue of messages sent while offline (`OutboxProvider`).
 */
export function ChatProviders({
  viewer: signedIn,
  apiToken,
  realtimeUrl,
  uploadMaxBytes,
  children,
}: ChatProvidersProps) {
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
  const [socket, setSocket] = useState<ConnectionState>("connecting");
  const online = useBrowserOnline();
  // The browser knows when it has no network at all; a socket may still look open then (no frame
  // has failed yet), but nothing can come or go: the badge says offline, as the outbox acts.
  const connection: ConnectionState = online ? socket : "offline";
  const [clients] = useState(() => {
    // Server rendering has no socket to open (and runs no subscriptions): the browser opens it.
    const link = typeof window === "undefined" ? null : linkControl(realtimeUrl ?? sameOriginRealtimeUrl());
    const ws =
      link &&
      createWSClient({
        url: link.url,
        WebSocket: link.WebSocket,
        // The wait between attempts is `link.url`'s, which "Retry now" can cut short.
        retryDelayMs: () => 0,
        keepAlive: KEEP_ALIVE,
        connectionParams: () => ({ token: apiToken }),
        onOpen: link.opened,
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
    return { ws, link, trpc };
  });

  useEffect(() => {
    let connectedOnce = false;
    if (!clients.ws) return;
    const subscription = clients.ws.connectionState.subscribe({
      next(state) {
        if (state.state === "pending") {
          connectedOnce = true;
          setSocket("connected");
        } else {
          setSocket(connectedOnce ? "reconnecting" : "connecting");
        }
      },
    });
    return () => subscription.unsubscribe();
  }, [clients]);

  useEffect(() => () => void clients.ws?.close(), [clients]);
  useEffect(() => (clients.link ? onNetworkChance(clients.link.now) : undefined), [clients]);
  const reconnectNow = useCallback(() => clients.link?.now(), [clients]);

  return (
    <ViewerContext.Provider value={viewer}>
      <SetViewerContext.Provider value={setViewer}>
        <ConnectionContext.Provider value={connection}>
          <QueryClientProvider client={queryClient}>
            <TRPCProvider trpcClient={clients.trpc} queryClient={queryClient}>
              <IconProvider icons={parleyIcons}>
                <OutboxProvider userId={viewer.id} connection={connection} reconnectNow={reconnectNow}>
                  <UploadLimitContext.Provider value={uploadMaxBytes}>
                    <PresenceProvider>
                      <FileLightboxProvider>{children}</FileLightboxProvider>
                    </PresenceProvider>
                  </UploadLimitContext.Provider>
                </OutboxProvider>
              </IconProvider>
            </TRPCProvider>
          </QueryClientProvider>
        </ConnectionContext.Provider>
      </SetViewerContext.Provider>
    </ViewerContext.Provider>
  );
}
