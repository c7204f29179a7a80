"use client";

import { type ComponentType, createContext, type ReactNode, useContext } from "react";

/** The icons the shared components draw, named for what they stand for. */
export type IconName =
  | "react"
  | "reply"
  | "edit"
  | "pin"
  | "unpin"
  | "delete"
  | "close"
  | "privateRoom"
  | "room"
  | "jumpToLatest"
  | "attach"
  | "download"
  | "file"
  | "fileText"
  | "fileImage"
  | "fileAudio"
  | "fileVideo"
  | "fileArchive";

/** Draws one icon `size` px square in the current text colour. */
export type IconComponent = ComponentType<{ size?: number; strokeWidth?: number; "aria-hidden"?: boolean }>;

/** One drawing per icon name. */
export type IconSet = Record<IconName, IconComponent>;

const IconContext = createContext<Partial<IconSet>>({});

/**
 * Gives the shared components their icons: this package depends on no icon library, the app
 * brings one (Parley's web client: lucide-react). Without it the icons are left out, while every
 * icon-only button keeps its accessible name.
 */
export function IconProvider({ icons, children }: { icons: IconSet; children: ReactNode }) {
  return <IconContext.Provider value={icons}>{children}</IconContext.Provider>;
}

/** One icon, decorative (`aria-hidden`): the button or the words beside it say what it means. */
export function Icon({ name, size = 16 }: { name: IconName; size?: number }) {
  const Drawing = useContext(IconContext)[name];
  return Drawing ? <Drawing size={size} strokeWidth={2} aria-hidden /> : null;
}
