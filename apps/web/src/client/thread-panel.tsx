"use client";

import type { FileOut } from "@parley/api/schemas";
import { MAX_MESSAGE_LENGTH } from "@parley/api/schemas";
import { Composer, DropOverlay, type Mentionable, useFileDrop } from "@parley/ui";
import { ArrowLeft } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { MessageRow, type MessageScope } from "./message-row";
import type { Message } from "./trpc";
import { useDraft } from "./use-draft";
import { useUploads } from "./use-uploads";

export interface ThreadPanelProps {
  parentId: number;
  /** The parent as the timeline holds it (current), once known. */
  parent: Message | undefined;
  /** The replies loaded and heard live, oldest first. */
  replies: Message[] | undefined;
  /** All replies are loaded. */
  complete: boolean | undefined;
  loadMore: (parentId: number) => Promise<string | null>;
  reply: (parentId: number, text: string, files: FileOut[]) => Promise<string | null>;
  scope: MessageScope;
  mentionables: Mentionable[];
  offerRoom: boolean;
  onClose: () => void;
}

/**
 * A thread beside the room (full screen on a phone): its parent, its replies paged with
 * `messages.thread` and kept live by the room's stream, and a composer for replies. Escape or the
 * back button closes it and gives focus back to the parent's "replies" button.
 */
export function ThreadPanel(props: ThreadPanelProps) {
  const { parentId, parent, replies, complete, loadMore, reply, scope, onClose } = props;
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const [draft, setDraft] = useDraft(scope.viewerId, `thread:${parentId}`);
  const uploads = useUploads(parent?.roomId ?? 0);
  const canReply = scope.isMember && parent !== undefined && !parent.deletedAt;
  const drop = useFileDrop(uploads.add, canReply);

  // The first page, once per opened thread (more pages on demand).
  // biome-ignore lint/correctness/useExhaustiveDependencies: loads when another thread opens
  useEffect(() => {
    heading.current?.focus();
    if (replies !== undefined) return;
    setLoading(true);
    void loadMore(parentId).then((failed) => {
      setLoading(false);
      setError(failed);
    });
  }, [parentId]);

  const name = parent?.author ? (scope.authorNow(parent.author)?.displayName ?? parent.author.username) : "";
  return (
    <section
      className="thread-panel"
      aria-labelledby="thread-heading"
      {...drop.handlers}
      onKeyDown={(event) => {
        if (event.key === "Escape" && !event.defaultPrevented) {
          event.preventDefault();
          onClose();
        }
      }}
    >
      {drop.dragging ? <DropOverlay label="Drop files to attach them to your reply" /> : null}
      <header className="thread-header">
        <button type="button" className="pl-button thread-back" onClick={onClose} aria-label="Close thread">
          <ArrowLeft size={18} aria-hidden />
          <span className="thread-back-text">Back</span>
        </button>
        <h2 id="thread-heading" ref={heading} tabIndex={-1}>
          Thread{name ? <span className="thread-with"> · {name}</span> : null}
        </h2>
      </header>
      <div className="thread-scroller">
        {parent ? (
          <ol className="pl-message-list thread-parent" aria-label="Thread's first message">
            <MessageRow message={parent} scope={{ ...scope, openThread: undefined }} />
          </ol>
        ) : null}
        <p className="thread-count">
          {parent?.thread?.replyCount
            ? `${parent.thread.replyCount} ${parent.thread.replyCount === 1 ? "reply" : "replies"}`
            : loading
              ? "Loading replies…"
              : "No replies yet"}
        </p>
        <div role="log" aria-label="Replies" aria-live="polite">
          <ol className="pl-message-list">
            {(replies ?? []).map((message) => (
              <MessageRow key={message.id} message={message} scope={{ ...scope, openThread: undefined }} />
            ))}
          </ol>
        </div>
        {replies !== undefined && complete === false ? (
          <button
            type="button"
            className="pl-button thread-more"
            disabled={loading}
            onClick={() => {
              setLoading(true);
              void loadMore(parentId).then((failed) => {
                setLoading(false);
                setError(failed);
              });
            }}
          >
            Load more replies
          </button>
        ) : null}
        {error ? (
          <p className="pl-alert" role="alert">
            {error}
          </p>
        ) : null}
      </div>
      {parent?.deletedAt ? (
        <p className="thread-closed">The first message was deleted: no new replies.</p>
      ) : (
        <Composer
          label="Reply"
          placeholder="Reply in thread"
          maxLength={MAX_MESSAGE_LENGTH}
          disabled={!scope.isMember}
          mentionables={props.mentionables}
          offerRoom={props.offerRoom}
          text={draft}
          onTextChange={setDraft}
          onAttach={canReply ? uploads.add : undefined}
          attachments={uploads.uploads}
          onRemoveAttachment={uploads.remove}
          attachmentStatus={uploads.status}
          onSend={(text) => {
            // The files stay attached until the reply is stored: a refused or lost reply keeps them.
            void reply(parentId, text, uploads.ready).then((error) => {
              setError(error);
              if (!error) uploads.clear();
            });
          }}
        />
      )}
    </section>
  );
}
