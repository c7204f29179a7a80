"use client";

import { ConfirmDialog } from "@parley/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Bell, BellOff, LogOut, Settings, Users } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ErrorAlert } from "./error-alert";
import { RoomSettingsDialog } from "./room-settings-dialog";
import { type MyRoom, type RoomOut, useTRPC } from "./trpc";

/**
 * The room header's buttons for a room (not a direct conversation): Members (on phones, where the
 * member panel has no column: `onShowMembers` opens it), mute or unmute, the owner's room settings,
 * and leaving, which asks first. A visitor who has not joined sees the Members button only.
 */
export function RoomActions({
  room,
  isMember,
  isOwner,
  onShowMembers,
}: {
  room: RoomOut;
  isMember: boolean;
  isOwner: boolean;
  onShowMembers: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const mine = useQuery(trpc.rooms.mine.queryOptions());
  const muted = mine.data?.find((entry) => entry.id === room.id)?.muted ?? false;
  const setMine = (update: (entry: MyRoom) => MyRoom) =>
    queryClient.setQueryData(trpc.rooms.mine.queryKey(), (list: MyRoom[] | undefined) =>
      list?.map((entry) => (entry.id === room.id ? update(entry) : entry)),
    );
  const mute = useMutation(
    trpc.rooms.mute.mutationOptions({ onSuccess: (state) => setMine((entry) => ({ ...entry, muted: state.muted })) }),
  );
  const leave = useMutation(
    trpc.rooms.leave.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.rooms.mine.queryKey() });
        router.push("/chat");
      },
    }),
  );
  const title = room.name ?? "this room";

  return (
    <>
      <button
        type="button"
        className="pl-button room-members-button"
        onClick={onShowMembers}
        aria-haspopup="dialog"
        aria-label="Members"
      >
        <Users size={16} aria-hidden="true" />
        <span className="room-action-text">Members</span>
      </button>
      {isMember ? (
        <button
          type="button"
          className="pl-button"
          onClick={() => mute.mutate({ roomId: room.id, muted: !muted })}
          disabled={mute.isPending}
          aria-label={muted ? "Unmute room" : "Mute room"}
          title={
            muted
              ? "Unmute: show its unread count as a badge and notify of mentions again"
              : "Mute: no badge, no notifications"
          }
        >
          {muted ? <BellOff size={16} aria-hidden="true" /> : <Bell size={16} aria-hidden="true" />}
          <span className="room-action-text">{muted ? "Unmute" : "Mute"}</span>
        </button>
      ) : null}
      {isMember && isOwner ? (
        <button
          type="button"
          className="pl-button"
          onClick={() => setSettingsOpen(true)}
          aria-haspopup="dialog"
          aria-label="Room settings"
        >
          <Settings size={16} aria-hidden="true" />
          <span className="room-action-text">Settings</span>
        </button>
      ) : null}
      {isMember ? (
        <button
          type="button"
          className="pl-button pl-button-danger"
          onClick={() => setConfirmLeave(true)}
          disabled={leave.isPending}
          aria-haspopup="dialog"
          aria-label="Leave room"
        >
          <LogOut size={16} aria-hidden="true" />
          <span className="room-action-text">Leave</span>
        </button>
      ) : null}
      <ErrorAlert error={leave.error ?? mute.error} className="pl-alert room-actions-alert" />
      {settingsOpen ? <RoomSettingsDialog room={room} onClose={() => setSettingsOpen(false)} /> : null}
      {confirmLeave ? (
        <ConfirmDialog
          title={`Leave ${title}?`}
          body={
            <p>
              {room.isPrivate
                ? "This room is private: you can come back only if its owner invites you again."
                : "You can join this public room again from Browse rooms."}
              {isOwner ? " You own it: the member who has been here longest will own it after you." : ""}
            </p>
          }
          confirm="Leave"
          onConfirm={() => leave.mutate({ roomId: room.id })}
          onClose={() => setConfirmLeave(false)}
        />
      ) : null}
    </>
  );
}
