"use client";

import type { ConnectionState } from "@parley/ui";
import { createContext, useContext } from "react";

export interface Viewer {
  id: number;
  username: string;
}

export const ViewerContext = createContext<Viewer | null>(null);
export const ConnectionContext = createContext<ConnectionState>("connecting");

/** The signed-in person; only inside the signed-in part of the app. */
export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error("useViewer is used outside ChatProviders");
  return viewer;
}

export const useConnectionState = () => useContext(ConnectionContext);
