"use client";

import { ConnectionBadge, RoomList, type RoomListEntry } from "@parley/ui";
import Link from "next/link";
import { useParams, usePathname } from "next/navigation";
import { type ReactNode, useEffect, useState } from "react";
import { signOutAndLeave } from "./end-session";
import { NotificationsButton, useUnreadTitle } from "./notifications";
import { useConnectionState, useViewer } from "./session-context";
import { useConversations } from "./use-conversations";

export const roomHref = (roomId: number) => `/chat/rooms/${roomId}`;

/** The signed-in app around every page: header, the sidebar of conversations, and the page itself. */
export function AppShell({ children }: { children: ReactNode }) {
  const params = useParams<{ id?: string }>();
  const pathname = usePathname();
  const openRoomId = params.id ? Number(params.id) : undefined;
  const viewer = useViewer();
  const connection = useConnectionState();
  const { rooms, directs } = useConversations(openRoomId);
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);

  // A link followed on a phone closes the menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the page changes
  useEffect(() => setMenuOpen(false), [pathname]);

  const roomEntries: RoomListEntry[] = (rooms.data ?? []).map((room) => ({
    id: room.id,
    href: roomHref(room.id),
    name: room.name ?? `Room ${room.id}`,
    unread: room.unread,
    mentions: room.mentions,
    isPrivate: room.isPrivate,
    kind: "room",
  }));
  const directEntries: RoomListEntry[] = (directs.data ?? []).map((direct) => ({
    id: direct.room.id,
    href: roomHref(direct.room.id),
    name: direct.peer.displayName ?? direct.peer.username,
    unread: direct.unread,
    mentions: direct.mentions,
    kind: "direct",
  }));

  const totalUnread = [...roomEntries, ...directEntries].reduce((sum, entry) => sum + entry.unread, 0);
  useUnreadTitle(totalUnread, pathname);

  async function onSignOut() {
    setSigningOut(true);
    await signOutAndLeave();
  }

  return (
    <div className="shell" data-menu-open={menuOpen || undefined}>
      <header className="shell-header">
        <button
          type="button"
          className="pl-button shell-menu-button"
          aria-expanded={menuOpen}
          aria-controls="conversations"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span>
          <span className="pl-visually-hidden">Conversations menu</span>
        </button>
        <Link href="/chat" className="shell-brand">
          Parley
        </Link>
        <ConnectionBadge state={connection} />
        <nav aria-label="Account" className="shell-account">
          <Link href="/chat/profile" className="shell-user">
            Profile <span className="shell-username">@{viewer.username}</span>
          </Link>
          <button type="button" className="pl-button" onClick={onSignOut} disabled={signingOut}>
            Sign out
          </button>
        </nav>
      </header>
      <nav id="conversations" aria-label="Conversations" className="shell-sidebar">
        <div className="shell-sidebar-links">
          <Link
            href="/chat/browse"
            className="shell-sidebar-link"
            aria-current={pathname === "/chat/browse" ? "page" : undefined}
          >
            Browse rooms
          </Link>
          <Link
            href="/chat/people"
            className="shell-sidebar-link"
            aria-current={pathname === "/chat/people" ? "page" : undefined}
          >
            People
          </Link>
        </div>
        <NotificationsButton />
        <RoomList
          heading="Rooms"
          entries={roomEntries}
          activeId={openRoomId}
          Link={Link}
          empty={rooms.isPending ? "Loading…" : "No rooms yet: browse or create one."}
        />
        <RoomList
          heading="Direct messages"
          entries={directEntries}
          activeId={openRoomId}
          Link={Link}
          empty={directs.isPending ? "Loading…" : "No conversations yet: find someone under People."}
        />
      </nav>
      <main className="shell-main">{children}</main>
    </div>
  );
}
