"use client";

import { ConfirmDialog, type MemberEntry, MemberList, ModalDialog } from "@parley/ui";
import { useMutation } from "@tanstack/react-query";
import { UserMinus, X } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { ErrorAlert } from "./error-alert";
import { useTRPC } from "./trpc";

export interface MemberPanelProps {
  roomId: number;
  members: MemberEntry[];
  /** The viewer owns the room: each other member gets a Remove button, and the invite form shows. */
  manage: boolean;
  viewerId: number;
  /** After an invitation or a removal: the member list is read again. */
  onChanged: () => void;
  /** Opens a member's profile card. */
  onOpen?: (memberId: number) => void;
}

/**
 * A room's members; for its owner, a Remove button per other member (asked first) and the invite
 * form. Shown beside the conversation on wide screens, and in `MembersSheet` on phones.
 */
export function MemberPanel({ roomId, members, manage, viewerId, onChanged, onOpen }: MemberPanelProps) {
  const trpc = useTRPC();
  const [removing, setRemoving] = useState<MemberEntry | null>(null);
  const remove = useMutation(trpc.rooms.removeMember.mutationOptions({ onSuccess: onChanged }));
  const nameOf = (member: MemberEntry) => member.displayName ?? member.username;
  return (
    <>
      <MemberList
        members={members}
        onOpen={onOpen}
        actions={
          manage
            ? (member) =>
                member.id === viewerId ? null : (
                  <button
                    type="button"
                    className="pl-icon-button member-remove"
                    data-danger
                    aria-label={`Remove ${nameOf(member)}`}
                    title={`Remove ${nameOf(member)}`}
                    aria-haspopup="dialog"
                    onClick={() => setRemoving(member)}
                  >
                    <UserMinus size={16} aria-hidden="true" />
                  </button>
                )
            : undefined
        }
      />
      <ErrorAlert error={remove.error} className="pl-field-error" />
      {manage ? <InviteForm roomId={roomId} onInvited={onChanged} /> : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove ${nameOf(removing)}?`}
          body={
            <p>
              {nameOf(removing)} will leave this room at once and stop seeing its messages. They can come back only if
              the room is public or you invite them again.
            </p>
          }
          confirm="Remove"
          onConfirm={() => remove.mutate({ roomId, userId: removing.id })}
          onClose={() => setRemoving(null)}
        />
      ) : null}
    </>
  );
}

/**
 * The member panel on a phone, where no column has room for it: a dialog opened from the room
 * header's Members button. Focus moves in; Escape, Close and a tap beside it close it, and focus
 * goes back to the button.
 */
export function MembersSheet({ onClose, ...panel }: MemberPanelProps & { onClose: () => void }) {
  return (
    <ModalDialog title="Members" onClose={onClose} className="members-sheet" dismissOnBackdrop>
      <div className="pl-dialog-head">
        <h2 className="pl-dialog-title">Members</h2>
        <button type="button" className="pl-icon-button" onClick={onClose} aria-label="Close">
          <X size={18} aria-hidden="true" />
        </button>
      </div>
      <MemberPanel {...panel} />
    </ModalDialog>
  );
}

function InviteForm({ roomId, onInvited }: { roomId: number; onInvited: () => void }) {
  const trpc = useTRPC();
  const [done, setDone] = useState<string | null>(null);
  const fieldId = useId(); // the panel beside the conversation and the phone's sheet each have one
  const invite = useMutation(
    trpc.invites.create.mutationOptions({
      onSuccess: (member) => {
        setDone(`${member.user.username} is now a member.`);
        onInvited();
      },
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const username = String(new FormData(form).get("username") ?? "").trim();
    if (!username) return;
    setDone(null);
    invite.mutate({ roomId, user: { username } }, { onSuccess: () => form.reset() });
  }
  return (
    <form className="invite-form" onSubmit={submit}>
      <h3>Invite someone</h3>
      <div className="pl-field">
        <label htmlFor={fieldId}>Username</label>
        <div className="inline-field">
          <input id={fieldId} name="username" className="pl-input" autoComplete="off" required maxLength={32} />
          <button type="submit" className="pl-button" disabled={invite.isPending}>
            Invite
          </button>
        </div>
      </div>
      <ErrorAlert error={invite.error} className="pl-field-error" />
      {done ? (
        <p className="pl-hint" role="status">
          {done}
        </p>
      ) : null}
    </form>
  );
}
