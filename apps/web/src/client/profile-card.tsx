"use client";

import { Avatar, BotMark, ModalDialog, PresenceDot, presenceLabel } from "@parley/ui";
import { MessageSquare, UserRound, X } from "lucide-react";
import Link from "next/link";
import { createContext, type ReactNode, useContext, useState } from "react";
import { ErrorAlert } from "./error-alert";
import { useHeardProfiles } from "./people-cache";
import { usePresence } from "./presence";
import { useViewer } from "./session-context";
import { useOpenDirect } from "./use-open-direct";

/** The person a card is about, as messages, member lists and the people page know them. */
export interface ProfilePerson {
  id: number;
  username: string;
  displayName: string | null;
  /** A bot account: its card says so. */
  isBot?: boolean;
}

const OpenProfileContext = createContext<(person: ProfilePerson) => void>(() => {});

/** Opens a person's profile card (inside `ProfileCardProvider`). */
export const useOpenProfile = () => useContext(OpenProfileContext);

/** Holds the one profile card of the signed-in app: any page opens it with `useOpenProfile()`. */
export function ProfileCardProvider({ children }: { children: ReactNode }) {
  const [person, setPerson] = useState<ProfilePerson | null>(null);
  return (
    <OpenProfileContext.Provider value={setPerson}>
      {children}
      {person ? <ProfileCard person={person} onClose={() => setPerson(null)} /> : null}
    </OpenProfileContext.Provider>
  );
}

/**
 * A person's card, in a modal dialog named by their name (Escape or Close shuts it and focus goes
 * back to what opened it): avatar, name, @username, presence, and "Message", which opens the direct
 * conversation with them; for myself, a link to my profile instead.
 */
function ProfileCard({ person, onClose }: { person: ProfilePerson; onClose: () => void }) {
  const viewer = useViewer();
  // The newest name heard of, whatever name the message that opened the card was sent under.
  const now = useHeardProfiles().get(person.id) ?? person;
  const name = now.displayName ?? now.username;
  const status = usePresence(person.id);
  const open = useOpenDirect(onClose);
  const mine = person.id === viewer.id;
  return (
    <ModalDialog title={name} onClose={onClose} className="profile-card">
      <div className="pl-dialog-head">
        <span className="profile-card-kind">Profile</span>
        <button type="button" className="pl-icon-button" onClick={onClose} aria-label="Close">
          <X size={18} aria-hidden />
        </button>
      </div>
      <div className="profile-card-person">
        <Avatar name={name} size={64} />
        <div className="profile-card-names">
          <h2 className="pl-dialog-title">
            {name}
            {(now.isBot ?? person.isBot) ? (
              <>
                {" "}
                <BotMark />
              </>
            ) : null}
          </h2>
          <p className="profile-card-username">@{now.username}</p>
          <p className="profile-card-presence">
            <PresenceDot status={status} />
            <span aria-hidden="true">{presenceLabel[status]}</span>
          </p>
        </div>
      </div>
      <ErrorAlert error={open.error} />
      <div className="pl-dialog-buttons">
        {mine ? (
          <Link className="pl-button" href="/chat/profile" onClick={onClose}>
            <UserRound size={16} aria-hidden /> Edit your profile
          </Link>
        ) : (
          <button
            type="button"
            className="pl-button pl-button-primary"
            onClick={() => open.mutate({ user: { userId: person.id } })}
            disabled={open.isPending}
          >
            <MessageSquare size={16} aria-hidden /> Message
          </button>
        )}
      </div>
    </ModalDialog>
  );
}
