import { Avatar } from "./avatar";
import { Icon } from "./icons";
import type { LinkComponent } from "./link";

export interface RoomListEntry {
  id: number;
  href: string;
  /** The room's name, or the other person's name for a direct conversation. */
  name: string;
  unread: number;
  /** Messages after my read mark that mention me (replies included). */
  mentions?: number;
  isPrivate?: boolean;
  /** For direct conversations: whether the other person is online, when known. */
  online?: boolean;
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
            <Link href={entry.href} className="pl-room-link" aria-current={entry.id === activeId ? "page" : undefined}>
              {entry.kind === "direct" ? (
                <Avatar name={entry.name} size={22} online={entry.online} />
              ) : (
                <span className="pl-room-hash" aria-hidden="true">
                  <Icon name={entry.isPrivate ? "privateRoom" : "room"} size={15} />
                </span>
              )}
              <span className="pl-room-name">{entry.name}</span>
              {entry.mentions ? (
                <span className="pl-mention-badge" role="img" aria-label={`${entry.mentions} mentioning you`}>
                  @{unreadLabel(entry.mentions)}
                </span>
              ) : null}
              {entry.unread > 0 ? (
                <span className="pl-unread" role="img" aria-label={`${entry.unread} unread`}>
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
