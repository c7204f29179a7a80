import type { ReactNode } from "react";
import { Avatar } from "./avatar";
import { BotMark } from "./bot-mark";
import { isConnected, PresenceDot, type PresenceStatus } from "./presence-dot";

export interface MemberEntry {
  id: number;
  username: string;
  displayName: string | null;
  role: "owner" | "member";
  status: PresenceStatus;
  /** A bot account: a "bot" mark follows the name. */
  isBot?: boolean;
}

const connected = (member: MemberEntry) => isConnected(member.status);

/**
 * A room's members, connected ones first, each with their presence dot; with `onOpen`, each name
 * is a button that opens the member's profile card; `actions` adds controls to a member's row (the
 * owner's Remove button).
 */
export function MemberList({
  members,
  onOpen,
  actions,
}: {
  members: MemberEntry[];
  onOpen?: (memberId: number) => void;
  actions?: (member: MemberEntry) => ReactNode;
}) {
  const sorted = [...members].sort(
    (a, b) => Number(connected(b)) - Number(connected(a)) || a.username.localeCompare(b.username),
  );
  const online = members.filter(connected).length;
  return (
    <div className="pl-member-list">
      <p className="pl-member-count">
        {members.length} {members.length === 1 ? "member" : "members"}, {online} online
      </p>
      <ul>
        {sorted.map((member) => {
          const name = member.displayName ?? member.username;
          return (
            <li key={member.id} className="pl-member" data-status={member.status}>
              <Avatar name={name} size={28} />
              <PresenceDot status={member.status} />
              <span className="pl-member-name">
                {onOpen ? (
                  <button type="button" className="pl-name-button" onClick={() => onOpen(member.id)}>
                    {name}
                  </button>
                ) : (
                  name
                )}
                {member.displayName ? <span className="pl-member-username"> @{member.username}</span> : null}
              </span>
              {/* Beside the name, not in it: a long name is cut with an ellipsis, the mark never. */}
              {member.isBot ? <BotMark /> : null}
              {member.role === "owner" ? <span className="pl-tag">owner</span> : null}
              {actions?.(member)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
