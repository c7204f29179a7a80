import { Avatar } from "./avatar";
import { Icon } from "./icons";
import type { LinkComponent } from "./link";
import { PresenceDot, type PresenceStatus } from "./presence-dot";

export interface RoomListEntry {
  id: number;
  href: string;
  /** The room's name, or the other person's name for a direct conversation. */
  name: string;
  unread: number;
  /** Messages after my read mark that mention me (replies included). */
  mentions?: number;
  isPrivate?: boolean;
  /** For direct conversations: the other person's presence, when known. */
  presence?: PresenceStatus;
  /** I muted it: its unread count shows without a badge's colour, and no mention badge. */
  muted?: boolean;
  /** Direct conversations show the other person's avatar; rooms a "#". */
  kind: "room" | "direct";
}

export interface RoomListProps {
  heading: string;
  entries: RoomListEntry[];
  /** The conversation on screen, marked `aria-current="page"`. */
  activeId?: number;
  Link: LinkComponent;
  /** Shown when the list is empty. */
  empty: string;
}

/** "99+" past 99: the server counts up to 100. */
export function unreadLabel(unread: number): string {
  return unread > 99 ? "99+" : String(unread);
}

/** One section of the sidebar: rooms or direct conversations, each with its unread count. */
export function RoomList({ heading, entries, activeId, Link, empty }: RoomListProps) {
  return (
    <div className="pl-room-list">
      <h2 className="pl-room-list-heading">{heading}</h2>
      {entries.length === 0 ? <p className="pl-room-list-empty">{empty}</p> : null}
      <ul>
        {entries.map((entry) => (
          <li key={entry.id}>
            <Link
              href={entry.href}
              className="pl-room-link"
              aria-current={entry.id === activeId ? "page" : undefined}
              data-muted={entry.muted || undefined}
            >
              {entry.kind === "direct" ? (
                <Avatar name={entry.name} size={22} />
              ) : (
                <span className="pl-room-hash" aria-hidden="true">
                  <Icon name={entry.isPrivate ? "privateRoom" : "room"} size={15} />
                </span>
              )}
              <span className="pl-room-name">{entry.name}</span>
              {/* After the name, so that the link reads "name, Online"; drawn beside the avatar. */}
              {entry.presence ? <PresenceDot status={entry.presence} /> : null}
              {entry.mentions && !entry.muted ? (
                <span className="pl-mention-badge" role="img" aria-label={`${entry.mentions} mentioning you`}>
                  @{unreadLabel(entry.mentions)}
                </span>
              ) : null}
              {entry.unread > 0 ? (
                <span
                  className={entry.muted ? "pl-unread pl-unread-muted" : "pl-unread"}
                  role="img"
                  aria-label={`${entry.unread} unread${entry.muted ? ", muted" : ""}`}
                >
                  {unreadLabel(entry.unread)}
                </span>
              ) : null}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
