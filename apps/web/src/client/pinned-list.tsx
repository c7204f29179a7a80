"use client";

import { BotMark, MessageFiles, ModalDialog, timeOf } from "@parley/ui";
import { useQuery } from "@tanstack/react-query";
import { X } from "lucide-react";
import { ErrorAlert } from "./error-alert";
import { type MessageScope, mentionedIn, messageDomId } from "./message-row";
import { MessageText } from "./message-text";
import { useTRPC } from "./trpc";

/**
 * The room's pinned messages (`messages.pinned`, most recently pinned first) in a dialog opened
 * from the room header; picking one shows it in the timeline when it is loaded there.
 */
export function PinnedList({
  roomId,
  scope,
  onClose,
}: {
  roomId: number;
  /** Names authors and mentions as the room's messages do. */
  scope: Pick<MessageScope, "authorNow" | "usernameOf" | "viewerUsername">;
  onClose: () => void;
}) {
  const { authorNow } = scope;
  const trpc = useTRPC();
  const pinned = useQuery(trpc.messages.pinned.queryOptions({ roomId }, { staleTime: 0 }));
  return (
    <ModalDialog title="Pinned messages" onClose={onClose} className="pinned-dialog">
      <div className="pl-dialog-head">
        <h2 className="pl-dialog-title">Pinned messages</h2>
        <button type="button" className="pl-icon-button" onClick={onClose} aria-label="Close">
          <X size={18} aria-hidden />
        </button>
      </div>
      <ErrorAlert error={pinned.error} />
      {pinned.isPending ? <p>Loading…</p> : null}
      {pinned.data?.length === 0 ? <p className="pl-hint">Nothing is pinned in this room yet.</p> : null}
      <ul className="pinned-list">
        {(pinned.data ?? []).map((message) => {
          const author = authorNow(message.author);
          const held = typeof document !== "undefined" && document.getElementById(messageDomId(message.id));
          return (
            <li key={message.id} className="pinned-item">
              <p className="pinned-meta">
                <strong>
                  {author ? (message.senderOverride?.username ?? author.displayName ?? author.username) : "Notice"}
                </strong>
                {author?.isBot ? (
                  <>
                    {" "}
                    <BotMark />
                  </>
                ) : null}{" "}
                · <time dateTime={message.createdAt}>{timeOf(message.createdAt)}</time>
              </p>
              <div className="pinned-body">
                <MessageText
                  text={message.body}
                  mentioned={mentionedIn(message, scope.usernameOf)}
                  me={scope.viewerUsername}
                />
                <MessageFiles files={message.files} />
              </div>
              {held ? (
                <button
                  type="button"
                  className="pl-link-button"
                  onClick={() => {
                    onClose();
                    requestAnimationFrame(() => {
                      const item = document.getElementById(messageDomId(message.id));
                      item?.scrollIntoView({ block: "center" });
                      item?.focus();
                    });
                  }}
                >
                  Show in conversation
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
    </ModalDialog>
  );
}
