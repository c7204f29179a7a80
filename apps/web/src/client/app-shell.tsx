"use client";

import { ConnectionBadge, RoomList, type RoomListEntry } from "@parley/ui";
import { Menu } from "lucide-react";
import Link from "next/link";
import { useParams, usePathname } from "next/navigation";
import { type MouseEvent, type ReactNode, type RefObject, useEffect, useRef, useState } from "react";
import { MessageSearch } from "./message-search";
import { NotificationsButton, useUnreadTitle } from "./notifications";
import { shownName } from "./person-name";
import { usePresences } from "./presence";
import { ReadingNowContext } from "./reading-now";
import { useConnectionState, useReconnectNow } from "./session-context";
import { useConversations } from "./use-conversations";
import { UserMenu } from "./user-menu";

export const roomHref = (roomId: number) => `/chat/rooms/${roomId}`;

/** The signed-in app around every page: header, the sidebar of conversations, and the page itself. */
export function AppShell({ children }: { children: ReactNode }) {
  const params = useParams<{ id?: string }>();
  const pathname = usePathname();
  const openRoomId = params.id ? Number(params.id) : undefined;
  const connection = useConnectionState();
  const reconnectNow = useReconnectNow();
  const readingNow = useRef<number | null>(null);
  const { rooms, directs } = useConversations(readingNow);
  const [menuOpen, setMenuOpen] = useState(false);

  // A link followed on a phone closes the menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the page changes
  useEffect(() => setMenuOpen(false), [pathname]);
  const menuButton = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLElement>(null);
  usePhoneMenu(menuOpen, menu, menuButton, () => setMenuOpen(false));

  const roomEntries: RoomListEntry[] = (rooms.data ?? []).map((room) => ({
    id: room.id,
    href: roomHref(room.id),
    name: room.name ?? `Room ${room.id}`,
    unread: room.unread,
    mentions: room.mentions,
    isPrivate: room.isPrivate,
    muted: room.muted,
    kind: "room",
  }));
  const presenceOf = usePresences((directs.data ?? []).map((direct) => direct.peer.id));
  const directEntries: RoomListEntry[] = (directs.data ?? []).map((direct) => ({
    id: direct.room.id,
    href: roomHref(direct.room.id),
    name: shownName(direct.peer),
    unread: direct.unread,
    mentions: direct.mentions,
    presence: presenceOf(direct.peer.id),
    kind: "direct",
  }));

  const totalUnread = [...roomEntries, ...directEntries].reduce(
    (sum, entry) => sum + (entry.muted ? 0 : entry.unread),
    0,
  );
  const open = [...roomEntries, ...directEntries].find((entry) => entry.id === openRoomId);
  useUnreadTitle(totalUnread, pathname, open && (open.kind === "room" ? `#${open.name}` : open.name));

  return (
    <div className="shell" data-menu-open={menuOpen || undefined}>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link; without script its href still goes to the page, with it focus goes to the composer */}
      <a href="#main" className="shell-skip-link" onClick={skipToConversation}>
        Skip to conversation
      </a>
      <header className="shell-header">
        <button
          ref={menuButton}
          type="button"
          className="pl-button shell-menu-button"
          aria-expanded={menuOpen}
          aria-controls="conversations"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <Menu size={20} aria-hidden />
          <span className="pl-visually-hidden">Conversations menu</span>
        </button>
        <Link href="/chat" className="shell-brand">
          Parley
        </Link>
        <MessageSearch />
        <ConnectionBadge state={connection} onRetry={reconnectNow} />
        <nav aria-label="Account" className="shell-account">
          <UserMenu />
        </nav>
      </header>
      <nav id="conversations" ref={menu} aria-label="Conversations" className="shell-sidebar" tabIndex={-1}>
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
      {menuOpen ? (
        // A tap beside the phone menu closes it (the keyboard has Escape); hidden on wide screens.
        <div
          className="shell-backdrop"
          aria-hidden="true"
          onClick={() => {
            setMenuOpen(false);
            menuButton.current?.focus();
          }}
        />
      ) : null}
      <main id="main" className="shell-main" tabIndex={-1}>
        <ReadingNowContext.Provider value={readingNow}>{children}</ReadingNowContext.Provider>
      </main>
    </div>
  );
}

/**
 * The skip link: focus goes to the open conversation's composer, else its message list, else the
 * page itself (a page without a conversation).
 */
function skipToConversation(event: MouseEvent<HTMLAnchorElement>) {
  event.preventDefault();
  const main = document.getElementById("main");
  const target =
    main?.querySelector<HTMLElement>(".room-conversation .pl-composer textarea:not(:disabled)") ??
    main?.querySelector<HTMLElement>(".pl-message-scroller") ??
    main;
  target?.focus();
}

/**
 * The phone menu (the sidebar over the page): focus moves into it when it opens; Escape closes it
 * and gives focus back to the button (as does a tap on the backdrop beside it).
 */
function usePhoneMenu(
  open: boolean,
  menu: RefObject<HTMLElement | null>,
  button: RefObject<HTMLButtonElement | null>,
  close: () => void,
) {
  const closeRef = useRef(close);
  closeRef.current = close;
  useEffect(() => {
    if (!open) return;
    const panel = menu.current;
    (panel?.querySelector<HTMLElement>("a[href], button:not(:disabled)") ?? panel)?.focus();
    const dismiss = () => {
      closeRef.current();
      button.current?.focus();
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape") dismiss();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [open, menu, button]);
}
