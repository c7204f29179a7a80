import { Avatar } from "./avatar";

export interface MemberEntry {
  id: number;
  username: string;
  displayName: string | null;
  role: "owner" | "member";
  online: boolean;
}

/**
 * A room's members, online ones first, each marked online or away; with `onOpen`, each name is a
 * button that opens the member's profile card.
 */
export function MemberList({ members, onOpen }: { members: MemberEntry[]; onOpen?: (memberId: number) => void }) {
  const sorted = [...members].sort(
    (a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username),
  );
  const online = members.filter((member) => member.online).length;
  return (
    <div className="pl-member-list">
      <p className="pl-member-count">
        {members.length} {members.length === 1 ? "member" : "members"}, {online} online
      </p>
      <ul>
        {sorted.map((member) => {
          const name = member.displayName ?? member.username;
          return (
            <li key={member.id} className="pl-member" data-online={member.online ? "true" : "false"}>
              <Avatar name={name} size={28} online={member.online} />
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
              {member.role === "owner" ? <span className="pl-tag">owner</span> : null}
              <span className="pl-visually-hidden">{member.online ? "online" : "offline"}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
