"use client";

import { MAX_MESSAGE_LENGTH } from "@parley/api/schemas";
import { MessageEditor, MessageItem, type ReactionEntry } from "@parley/ui";
import { useEffect, useRef } from "react";
import { MessageText } from "./message-text";
import { shownPerson } from "./person-name";
import type { Message } from "./trpc";

/** What every message of a conversation needs to know to draw itself and offer its actions. */
export interface MessageScope {
  viewerId: number;
  /** My username, lower case: mentions of me are marked more strongly. */
  viewerUsername: string;
  isOwner: boolean;
  isMember: boolean;
  /** A person's name as shown now, and their username (lower case), by user id. */
  nameOf: (userId: number) => string;
  usernameOf: (userId: number) => string | undefined;
  /** Shows the author as they are now. */
  authorNow: (author: Message["author"]) => Message["author"];
  editingId: number | null;
  setEditingId: (messageId: number | null) => void;
  edit: (messageId: number, text: string) => Promise<string | null>;
  react: (messageId: number, emoji: string, add: boolean) => void;
  pin: (messageId: number, pin: boolean) => void;
  askDelete: (message: Message) => void;
  openPicker: (messageId: number) => void;
  /** Opens a person's profile card. */
  openProfile?: (person: NonNullable<Message["author"]>) => void;
  /** Absent inside a thread: replies have no threads of their own. */
  openThread?: (parentId: number) => void;
  openThreadId?: number | null;
  /** The message a search result led to: drawn highlighted. */
  foundId?: number | null;
}

/** The DOM id of a message's item, to give it focus back after an action. */
export const messageDomId = (messageId: number) => `message-${messageId}`;

/** The usernames (lower case) a message mentions, by the ids the server stored, and `room` for `@room`. */
export function mentionedIn(message: Message, usernameOf: (userId: number) => string | undefined): Set<string> {
  const mentioned = new Set<string>();
  for (const userId of message.mentions.userIds) {
    const username = usernameOf(userId);
    if (username) mentioned.add(username);
  }
  if (message.mentions.room) mentioned.add("room");
  return mentioned;
}

/** One message of the room or of a thread, with what I may do with it. */
export function MessageRow({
  message,
  continued,
  scope,
}: {
  message: Message;
  continued?: boolean;
  scope: MessageScope;
}) {
  const own = message.author?.id === scope.viewerId;
  const live = !message.deletedAt && message.kind === "text" && scope.isMember;
  const mentionsMe = message.mentions.room || message.mentions.userIds.includes(scope.viewerId);
  const mentioned = mentionedIn(message, scope.usernameOf);
  const reactions: ReactionEntry[] = message.reactions.map((reaction) => ({
    emoji: reaction.emoji,
    count: reaction.count,
    mine: reaction.userIds.includes(scope.viewerId),
    names: reaction.userIds.map(scope.nameOf),
  }));
  const editing = scope.editingId === message.id;
  // When its editor closes (saved or cancelled), the message takes focus back.
  const wasEditing = useRef(editing);
  useEffect(() => {
    if (wasEditing.current && !editing) document.getElementById(messageDomId(message.id))?.focus();
    wasEditing.current = editing;
  }, [editing, message.id]);
  const thread = message.thread;
  const openThread = scope.openThread;
  const now = scope.authorNow(message.author);
  const shown = now && shownPerson(now);
  // An incoming webhook's message shows the name its payload gave (Slack's `username`), under its bot's
  // username. Its `iconUrl` is not fetched: the page loads no third-party images (CSP img-src), which
  // would tell the icon's host who reads the room.
  const override = message.senderOverride;
  const author = shown && override?.username ? { ...shown, displayName: override.username } : shown;
  const openProfile = scope.openProfile;
  return (
    <MessageItem
      {...message}
      body={message.notice ? noticeBody(message.notice, scope) : message.body}
      domId={messageDomId(message.id)}
      author={author}
      onOpenAuthor={author && openProfile ? () => openProfile(author) : undefined}
      own={own}
      found={scope.foundId === message.id}
      continued={continued}
      reactions={reactions}
      mentioned={mentioned}
      me={scope.viewerUsername}
      text={
        message.kind === "text" ? (
          <MessageText text={message.body} mentioned={mentioned} me={scope.viewerUsername} />
        ) : undefined
      }
      mentionsMe={mentionsMe && !own}
      onToggleReaction={live ? (emoji, add) => scope.react(message.id, emoji, add) : undefined}
      thread={
        thread && openThread && message.parentId === null
          ? {
              replyCount: thread.replyCount,
              lastReplyAt: thread.lastReplyAt,
              participants: thread.participantIds.map(scope.nameOf),
              onOpen: () => openThread(message.id),
              open: scope.openThreadId === message.id,
            }
          : null
      }
      actions={
        live
          ? {
              onReact: () => scope.openPicker(message.id),
              onReply: openThread && message.parentId === null ? () => openThread(message.id) : undefined,
              onEdit: own ? () => scope.setEditingId(message.id) : undefined,
              onTogglePin: () => scope.pin(message.id, !message.pinnedAt),
              onDelete: own || scope.isOwner ? () => scope.askDelete(message) : undefined,
            }
          : undefined
      }
      editor={
        editing ? (
          <MessageEditor
            initial={message.body}
            maxLength={MAX_MESSAGE_LENGTH}
            onSave={async (text) => {
              const failed = await scope.edit(message.id, text);
              if (!failed) scope.setEditingId(null);
              return failed;
            }}
            onCancel={() => scope.setEditingId(null)}
          />
        ) : undefined
      }
    />
  );
}

/**
 * A notice's words, naming people as messages do: their display name when the page knows them
 * (members, people heard of), else the username the notice was written with.
 */
function noticeBody(notice: NonNullable<Message["notice"]>, scope: MessageScope): string {
  const name = (userId: number, username: string) =>
    scope.usernameOf(userId) === undefined ? username : scope.nameOf(userId);
  switch (notice.event) {
    case "joined":
      return `${name(notice.userId, notice.username)} joined the room`;
    case "left":
      return `${name(notice.userId, notice.username)} left the room`;
    case "invited":
      return `${name(notice.userId, notice.username)} was invited to the room`;
    case "renamed": {
      const now = name(notice.userId, notice.to);
      return now === notice.to
        ? `${notice.from} is now known as ${notice.to}`
        : `${now} changed their username from ${notice.from} to ${notice.to}`;
    }
    case "room-renamed":
      return `${name(notice.byUserId, notice.username)} renamed the room from ${notice.from} to ${notice.to}`;
    case "topic-changed":
      return notice.topic === null
        ? `${name(notice.byUserId, notice.username)} cleared the topic`
        : `${name(notice.byUserId, notice.username)} set the topic: ${notice.topic}`;
    case "removed":
      return `${name(notice.userId, notice.username)} was removed from the room`;
  }
}
