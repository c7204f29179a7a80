"use client";

import { ROOM_NAME_MAX, ROOM_TOPIC_MAX } from "@parley/api/schemas";
import { ModalDialog } from "@parley/ui";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { ErrorAlert } from "./error-alert";
import { IncomingWebhooksSection } from "./incoming-webhooks-section";
import { OutgoingWebhooksSection } from "./outgoing-webhooks-section";
import { type RoomOut, useTRPC } from "./trpc";

/** The longest room name the server takes (RoomName in @parley/api's schemas), in characters. */

/**
 * "Room settings", for the room's owner: its name and topic (an empty topic clears it). Saved with
 * `rooms.update`; the server's refusal (a name taken, too long) shows in words and the dialog stays.
 * Every member's page then shows the change from their own event stream. Below, the room's
 * incoming and outgoing webhooks (see incoming-webhooks-section.tsx and outgoing-webhooks-section.tsx).
 */
export function RoomSettingsDialog({ room, onClose }: { room: RoomOut; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [name, setName] = useState(room.name ?? "");
  const [topic, setTopic] = useState(room.topic ?? "");
  const update = useMutation(
    trpc.rooms.update.mutationOptions({
      onSuccess: ({ room: now }) => {
        queryClient.setQueryData(trpc.rooms.get.queryKey({ roomId: now.id }), now);
        onClose();
      },
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ roomId: room.id, name, topic });
  }
  const topicLength = [...topic].length;
  return (
    <ModalDialog title="Room settings" onClose={onClose} className="room-settings-dialog">
      <form onSubmit={submit}>
        <h2 className="pl-dialog-title">Room settings</h2>
        <div className="pl-field">
          <label htmlFor={`${id}-name`}>Room name</label>
          <input
            id={`${id}-name`}
            className="pl-input"
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              update.reset(); // what was refused was another name
            }}
            required
            maxLength={ROOM_NAME_MAX}
            autoComplete="off"
          />
        </div>
        <div className="pl-field">
          <label htmlFor={`${id}-topic`}>Topic</label>
          <textarea
            id={`${id}-topic`}
            className="pl-input room-settings-topic"
            value={topic}
            onChange={(event) => {
              setTopic(event.target.value);
              update.reset();
            }}
            rows={3}
            aria-describedby={`${id}-topic-hint`}
          />
          <p id={`${id}-topic-hint`} className="pl-hint">
            What the room is about, shown under its name. {topicLength} of {ROOM_TOPIC_MAX} characters; leave it empty
            for none.
          </p>
        </div>
        <ErrorAlert error={update.error} className="pl-field-error" />
        <div className="pl-dialog-buttons">
          <button type="button" className="pl-button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="pl-button pl-button-primary" disabled={update.isPending}>
            Save
          </button>
        </div>
      </form>
      <IncomingWebhooksSection roomId={room.id} />
      <OutgoingWebhooksSection roomId={room.id} />
    </ModalDialog>
  );
}
