"use client";

import { AvatarButton, PresenceDot, presenceLabel } from "@parley/ui";
import { UserRound } from "lucide-react";
import { usePresence } from "./presence";
import { type ProfilePerson, useOpenProfile } from "./profile-card";

/** The other person of a direct conversation, shown in its header: their avatar opens their card. */
export function DirectPeerAvatar({ peer }: { peer: ProfilePerson }) {
  const openProfile = useOpenProfile();
  const name = peer.displayName ?? peer.username;
  return <AvatarButton name={name} size={40} label={`Profile of ${name}`} onClick={() => openProfile(peer)} />;
}

/** Under the other person's name: their presence, @username and a button to their profile card. */
export function DirectPeerMeta({ peer }: { peer: ProfilePerson }) {
  const openProfile = useOpenProfile();
  const status = usePresence(peer.id);
  const name = peer.displayName ?? peer.username;
  return (
    <p className="room-meta direct-peer-meta">
      <PresenceDot status={status} />
      <span aria-hidden="true">{presenceLabel[status]}</span>
      <span>@{peer.username}</span>
      <button
        type="button"
        className="pl-link-button direct-peer-profile"
        onClick={() => openProfile(peer)}
        aria-label={`${name}'s profile`}
      >
        <UserRound size={14} aria-hidden /> Profile
      </button>
    </p>
  );
}
