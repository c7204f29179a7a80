"use client";

import type { ConnectionState } from "@parley/ui";
import { createContext, useContext } from "react";

export interface Viewer {
  id: number;
  username: string;
  /** Known once the page has heard of the viewer's profile (their own stream tells each change). */
  displayName?: string | null;
  /** "admin": may open the administration (the server checks every call anyway). */
  role?: "member" | "admin";
}

export const ViewerContext = createContext<Viewer | null>(null);
/** Replaces the signed-in person's name on this page: they renamed themselves (here or in another tab). */
export const SetViewerContext = createContext<(viewer: Viewer) => void>(() => {});
export const ConnectionContext = createContext<ConnectionState>("connecting");
/** Reconnects the live link at once and sends what waits ("Retry now"). */
export const ReconnectContext = createContext<() => void>(() => {});

/** The signed-in person; only inside the signed-in part of the app. */
export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error("useViewer is used outside ChatProviders");
  return viewer;
}

export const useSetViewer = () => useContext(SetViewerContext);
export const useConnectionState = () => useContext(ConnectionContext);
export const useReconnectNow = () => useContext(ReconnectContext);
