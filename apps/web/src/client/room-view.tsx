"use client";

import { MAX_MESSAGE_LENGTH } from "@parley/api/schemas";
import {
  Composer,
  ConfirmDialog,
  DropOverlay,
  EmojiPickerDialog,
  isConnected,
  type MemberEntry,
  type Mentionable,
  MessageItem,
  MessageList,
  TypingIndicator,
  useFileDrop,
} from "@parley/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Pin } from "lucide-react";
import Link from "next/link";
import { type KeyboardEvent, type RefObject, useCallback, useEffect, useRef, useState } from "react";
import { DirectPeerAvatar, DirectPeerMeta } from "./direct-peer";
import { ErrorAlert } from "./error-alert";
import { MemberPanel, MembersSheet } from "./member-panel";
import { type MessageScope, messageDomId } from "./message-row";
import { MessageText } from "./message-text";
import { useHeardProfiles } from "./people-cache";
import { shownName } from "./person-name";
import { PinnedList } from "./pinned-list";
import { usePresences } from "./presence";
import { useOpenProfile } from "./profile-card";
import { RoomActions } from "./room-actions";
import { useViewer } from "./session-context";
import { ThreadPanel } from "./thread-panel";
import { timelineItems } from "./timeline-items";
import { type Message, useTRPC } from "./trpc";
import { useDraft } from "./use-draft";
import { useMessageActions } from "./use-message-actions";
import { useReadMark } from "./use-read-mark";
import { type HeardChange, type Outgoing, useRoomTimeline } from "./use-room-timeline";
import { useUnread } from "./use-unread";
import { useUploads } from "./use-uploads";

/** Where the emoji picker reads emojibase's data: served by this app (see app/emoji-data). */
const EMOJIBASE_URL = "/emoji-data";

/** How often "is typing" is sent again while the person keeps typing (the server's notice lasts 5 s). */
const TYPING_EVERY_MS = 3000;

/**
 * One conversation: its messages live, history on scroll-back, members, invite and leave. With `at`
 * (a sequence number, from a search result), it opens at that message instead of the newest: the
 * message is highlighted and focused (a reply: in its thread), and newer pages load on scrolling down.
 */
export function RoomView({ roomId, at }: { roomId: number; at?: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const viewer = useViewer();
  const room = useQuery(trpc.rooms.get.queryOptions({ roomId }, { retry: false }));
  // Read whenever the room opens; while it is cached, my own stream applies its joins, leaves and renames.
  const members = useQuery(trpc.rooms.members.queryOptions({ roomId }, { enabled: room.isSuccess, staleTime: 0 }));
  const directs = useQuery(trpc.direct.list.queryOptions(undefined, { enabled: room.data?.kind === "direct" }));
  const presenceOf = usePresences((members.data ?? []).map((member) => member.user.id));
  const refreshMembers = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: trpc.rooms.members.queryKey({ roomId }) }),
    [queryClient, trpc, roomId],
  );
  // A public room can be looked at before joining it: members, but no history, until "Join".
  const isMember = members.data?.some((member) => member.user.id === viewer.id) ?? false;
  const [announcement, setAnnouncement] = useState("");
  const nameRef = useRef<(userId: number) => string>(() => "someone");
  const onChange = useCallback(
    (heard: HeardChange) => {
      setAnnouncement(announce(heard, heard.actorId === viewer.id ? "You" : nameRef.current(heard.actorId)));
      if (heard.change === "pinned" || heard.change === "unpinned") {
        void queryClient.invalidateQueries({ queryKey: trpc.messages.pinned.queryKey({ roomId }) });
      }
    },
    [viewer.id, queryClient, trpc, roomId],
  );
  const timeline = useRoomTimeline(roomId, isMember, onChange, at);
  const actions = useMessageActions();
  const [editingId, setEditingId] = useState<number | null>(null);
  const [pickerFor, setPickerFor] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<Message | null>(null);
  const [threadId, setThreadId] = useState<number | null>(null);
  const [pinnedOpen, setPinnedOpen] = useState(false);
  const [membersOpen, setMembersOpen] = useState(false);
  const heard = useHeardProfiles();
  const openProfile = useOpenProfile();
  const join = useMutation(
    trpc.rooms.join.mutationOptions({
      onSuccess: () => {
        refreshMembers();
        void queryClient.invalidateQueries({ queryKey: trpc.rooms.mine.queryKey() });
      },
    }),
  );

  const newestSeq = timeline.messages.at(-1)?.seq;
  const unread = useUnread(roomId, timeline, viewer.id, isMember, at !== undefined);
  useReadMark(roomId, unread.readSeq);
  const [draft, setDraft] = useDraft(viewer.id, `room:${roomId}`);

  const typing = useMutation(trpc.events.typing.mutationOptions());
  const lastTyping = useRef(0);
  const onTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastTyping.current < TYPING_EVERY_MS) return;
    lastTyping.current = now;
    typing.mutate({ roomId });
  }, [typing, roomId]);
  // A sent message ends my typing notice for the others: typing again right after is news at once.
  const { send: sendToTimeline } = timeline;
  const uploads = useUploads(roomId);
  const { ready: readyFiles, clear: clearUploads } = uploads;
  const onSend = useCallback(
    (text: string) => {
      lastTyping.current = 0;
      sendToTimeline(text, readyFiles);
      clearUploads();
    },
    [sendToTimeline, readyFiles, clearUploads],
  );

  const found = useFoundMessage(at, timeline, unread.ready, setThreadId, timeline.loadThread);

  const conversation = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useFocusOnOpen(roomId, members.isSuccess, isMember, conversation, heading);
  // Files dropped anywhere on the conversation are attached to the message being written.
  const drop = useFileDrop(uploads.add, isMember);

  if (room.isError) {
    return (
      <section className="page">
        <h1>This conversation is not open to you</h1>
        <ErrorAlert error={room.error} />
        <p>
          <Link href="/chat/browse">Browse public rooms</Link>
        </p>
      </section>
    );
  }

  const peer = directs.data?.find((direct) => direct.room.id === roomId)?.peer;
  const isDirect = room.data?.kind === "direct";
  const title = isDirect ? (peer ? shownName(peer) : "Direct conversation") : (room.data?.name ?? "…");
  const isOwner = room.data?.ownerId === viewer.id;
  const memberEntries: MemberEntry[] = (members.data ?? []).map((member) => ({
    id: member.user.id,
    username: member.user.username,
    displayName: member.user.displayName,
    isBot: member.user.isBot,
    role: member.role,
    status: presenceOf(member.user.id),
  }));
  // Connected members: online or away (the member list counts them alike).
  const connectedCount = memberEntries.filter((member) => isConnected(member.status)).length;
  const nameOf = new Map(memberEntries.map((member) => [member.id, member.displayName ?? member.username]));
  // A message shows its author as they are now: the newest profile heard of, else the member list's.
  const memberUsers = new Map((members.data ?? []).map((member) => [member.user.id, member.user]));
  const authorNow = (author: Message["author"]): Message["author"] =>
    author && (heard.get(author.id) ?? memberUsers.get(author.id) ?? author);
  const typingNames = timeline.typing.map((typist) => nameOf.get(typist.userId) ?? typist.username);
  const userNow = (userId: number) => heard.get(userId) ?? memberUsers.get(userId);
  const nameOfId = (userId: number) => {
    const user = userNow(userId);
    return user ? (user.displayName ?? user.username) : `someone who left`;
  };
  nameRef.current = nameOfId;
  const mentionables: Mentionable[] = (members.data ?? [])
    .filter((member) => member.user.id !== viewer.id)
    .map((member) => ({ username: member.user.username, displayName: member.user.displayName }));
  const scope: MessageScope = {
    viewerId: viewer.id,
    viewerUsername: viewer.username.toLocaleLowerCase(),
    isOwner,
    isMember,
    nameOf: nameOfId,
    usernameOf: (userId) => userNow(userId)?.username.toLocaleLowerCase(),
    authorNow,
    editingId,
    setEditingId,
    edit: actions.edit,
    react: (messageId, emoji, add) => void actions.react(messageId, emoji, add),
    pin: (messageId, pin) => void actions.pin(messageId, pin),
    askDelete: setDeleting,
    openPicker: setPickerFor,
    openThread: (parentId) => setThreadId((open) => (open === parentId ? null : parentId)),
    openThreadId: threadId,
    foundId: found,
    openProfile,
  };
  const memberPanel = {
    roomId,
    members: memberEntries,
    manage: isOwner && isMember && !isDirect,
    viewerId: viewer.id,
    onChanged: refreshMembers,
    onOpen: (memberId: number) => {
      const user = userNow(memberId);
      if (user) openProfile(user);
    },
  };
  /** Up in an empty composer: my newest message that can still be edited. */
  const editLast = () => {
    const mine = timeline.messages.findLast(
      (message) => message.author?.id === viewer.id && message.kind === "text" && !message.deletedAt,
    );
    if (!mine) return false;
    setEditingId(mine.id);
    return true;
  };

  return (
    <div className="room">
      <header className="room-header">
        {isDirect && peer ? <DirectPeerAvatar peer={peer} /> : null}
        <div className="room-title">
          <h1 ref={heading} tabIndex={-1}>
            {title}
          </h1>
          {isDirect && peer ? (
            <DirectPeerMeta peer={peer} />
          ) : (
            <p className="room-meta">
              {isDirect ? "Direct conversation" : room.data?.isPrivate ? "Private room" : "Public room"}
              {memberEntries.length > 0 && !isDirect ? ` · ${connectedCount} of ${memberEntries.length} online` : ""}
            </p>
          )}
          {room.data?.topic && !isDirect ? <p className="room-topic">{room.data.topic}</p> : null}
        </div>
        {isMember ? (
          <button
            type="button"
            className="pl-button"
            onClick={() => setPinnedOpen(true)}
            aria-haspopup="dialog"
            aria-label="Pinned messages"
          >
            <Pin size={16} aria-hidden /> <span className="room-pinned-text">Pinned</span>
          </button>
        ) : null}
        {room.data && !isDirect ? (
          <RoomActions
            room={room.data}
            isMember={isMember}
            isOwner={isOwner}
            onShowMembers={() => setMembersOpen(true)}
          />
        ) : null}
      </header>
      {actions.error ? (
        <p className="pl-alert room-alert" role="alert">
          {actions.error}{" "}
          <button type="button" className="pl-link-button" onClick={actions.clearError}>
            Dismiss
          </button>
        </p>
      ) : null}
      <p className="pl-visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <div className="room-body" data-thread-open={threadId !== null || undefined} data-direct={isDirect || undefined}>
        {/* biome-ignore lint/a11y/noStaticElementInteractions: PageUp and PageDown typed in the composer inside scroll the history */}
        <section className="room-conversation" ref={conversation} onKeyDown={scrollHistoryByPage} {...drop.handlers}>
          {drop.dragging ? (
            <DropOverlay label={`Drop files to attach them to your message to ${isDirect ? title : `#${title}`}`} />
          ) : null}
          {timeline.error ? (
            <p className="pl-alert room-alert" role="alert">
              {timeline.error}
              {timeline.loaded ? null : (
                <>
                  {" "}
                  <button type="button" className="pl-link-button" onClick={() => void timeline.reload()}>
                    Try again
                  </button>
                </>
              )}
            </p>
          ) : at !== undefined && timeline.loaded && timeline.anchorId === null ? (
            <p className="pl-alert room-alert" role="status">
              No message was sent at this point of the room: these are the messages nearest to it.
            </p>
          ) : null}
          <MessageList
            label="Chat history"
            firstKey={timeline.messages[0]?.seq}
            lastKey={`${newestSeq}:${timeline.outgoing.length}`}
            hasOlder={timeline.hasOlder}
            loadingOlder={timeline.loadingOlder}
            onReachTop={timeline.loadOlder}
            hasNewer={timeline.hasNewer}
            loadingNewer={timeline.loadingNewer}
            onReachBottom={timeline.loadNewer}
            onJumpToLatest={timeline.loadNewest}
            landCentered={at !== undefined}
            loading={!members.isSuccess || (isMember && !timeline.loaded && !timeline.error) || !unread.ready}
            landAt={unread.landAt}
            onView={unread.onView}
            // Below an older window lie messages not loaded yet: no count that would be wrong.
            newBelow={timeline.hasNewer ? 0 : unread.newBelow}
            empty={
              members.isSuccess && !isMember ? (
                <>
                  <strong>#{title}</strong>
                  <br />
                  {`${memberEntries.length} ${memberEntries.length === 1 ? "member" : "members"}. `}
                  Join to read this room's messages.
                </>
              ) : (
                "No messages yet. Say hello!"
              )
            }
          >
            {unread.ready ? timelineItems(timeline.messages, unread.dividerSeq, scope) : null}
            {timeline.outgoing.map((outgoing) => (
              <OutgoingItem
                key={outgoing.clientId}
                outgoing={outgoing}
                author={authorNow({
                  id: viewer.id,
                  username: viewer.username,
                  displayName: viewer.displayName ?? null,
                  isBot: false, // a bot has no password, so never signs in here
                })}
                onRetry={timeline.retry}
                onCancel={timeline.cancel}
              />
            ))}
          </MessageList>
          <TypingIndicator names={typingNames} />
          {members.isSuccess && !isMember ? (
            <div className="room-join">
              <p>
                {room.data?.isPrivate
                  ? "You are not a member of this private room: only its owner can invite you back."
                  : "You are not a member of this room: join it to read and write."}
              </p>
              <ErrorAlert error={join.error} className="pl-field-error" />
              {room.data?.isPrivate ? null : (
                <button
                  type="button"
                  className="pl-button pl-button-primary"
                  onClick={() => join.mutate({ roomId })}
                  disabled={join.isPending}
                  aria-label={`Join ${title}`}
                >
                  Join
                </button>
              )}
            </div>
          ) : isDirect && peer?.deleted ? (
            <div className="room-join">
              <p>This conversation is closed: the other account was deleted. Its messages stay readable.</p>
            </div>
          ) : (
            <Composer
              onSend={onSend}
              onTyping={onTyping}
              maxLength={MAX_MESSAGE_LENGTH}
              disabled={!isMember}
              placeholder={room.data ? `Message ${isDirect ? title : `#${title}`}` : undefined}
              mentionables={mentionables}
              offerRoom={isOwner && !isDirect}
              onEditLast={editLast}
              text={draft}
              onTextChange={setDraft}
              onAttach={uploads.add}
              attachments={uploads.uploads}
              onRemoveAttachment={uploads.remove}
              attachmentStatus={uploads.status}
            />
          )}
        </section>
        {threadId !== null ? (
          <ThreadPanel
            key={threadId}
            parentId={threadId}
            parent={timeline.messages.find((message) => message.id === threadId) ?? timeline.parents[threadId]}
            replies={timeline.replies[threadId]}
            complete={timeline.threadComplete[threadId]}
            loadMore={timeline.loadThread}
            reply={timeline.reply}
            scope={scope}
            mentionables={mentionables}
            offerRoom={isOwner && !isDirect}
            onClose={() => {
              const parent = threadId;
              setThreadId(null);
              requestAnimationFrame(() =>
                document.getElementById(`message-${parent}`)?.querySelector<HTMLElement>(".pl-thread-summary")?.focus(),
              );
            }}
          />
        ) : null}
        {/* A direct conversation shows the other person in its header instead. */}
        {isDirect ? null : (
          <aside className="room-members" aria-label="Members">
            <h2>Members</h2>
            <MemberPanel {...memberPanel} />
          </aside>
        )}
        {membersOpen && !isDirect ? <MembersSheet {...memberPanel} onClose={() => setMembersOpen(false)} /> : null}
      </div>
      {pickerFor !== null ? (
        <EmojiPickerDialog
          emojibaseUrl={EMOJIBASE_URL}
          onClose={() => setPickerFor(null)}
          onPick={(emoji) => void actions.react(pickerFor, emoji, true)}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete this message?"
          body={
            <p>
              {deleting.author?.id === viewer.id ? "Your message" : `${nameOfId(deleting.author?.id ?? 0)}'s message`}{" "}
              will be replaced by "message deleted" for everyone, and its text removed for good.
            </p>
          }
          confirm="Delete"
          onConfirm={() => void actions.remove(deleting.id)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
      {pinnedOpen ? <PinnedList roomId={roomId} scope={scope} onClose={() => setPinnedOpen(false)} /> : null}
    </div>
  );
}

/**
 * Opening a room moves focus into it: to its composer once I am known to be a member, else to its
 * heading. Only when focus is nowhere in particular or still in the sidebar (a link just followed),
 * never away from a field the person went to meanwhile.
 */
function useFocusOnOpen(
  roomId: number,
  membersKnown: boolean,
  isMember: boolean,
  conversation: RefObject<HTMLElement | null>,
  heading: RefObject<HTMLHeadingElement | null>,
) {
  const focusedFor = useRef<number | null>(null);
  useEffect(() => {
    if (!membersKnown || focusedFor.current === roomId) return;
    focusedFor.current = roomId;
    const active = document.activeElement;
    const idle = !active || active === document.body || active.closest("#conversations") !== null;
    if (!idle) return;
    const box = isMember ? conversation.current?.querySelector<HTMLTextAreaElement>(".pl-composer textarea") : null;
    (box ?? heading.current)?.focus();
  }, [roomId, membersKnown, isMember, conversation, heading]);
}

/**
 * The message a search result opened the room at (`at`, a sequence number): the top-level message
 * holding it, or, when `at` is a reply's, that reply in its thread (opened once, and paged on until
 * the reply is loaded). Once drawn, it is focused (screen readers read it) and, in a thread,
 * scrolled into view. Returns its id, or null.
 */
function useFoundMessage(
  at: number | undefined,
  timeline: {
    anchorId: number | null;
    messages: Message[];
    replies: Record<number, Message[]>;
    threadComplete: Record<number, boolean>;
  },
  ready: boolean,
  openThread: (parentId: number) => void,
  loadThread: (parentId: number) => Promise<string | null>,
): number | null {
  const { anchorId, messages, replies, threadComplete } = timeline;
  const anchor = anchorId === null ? undefined : messages.find((message) => message.id === anchorId);
  const inThread = at !== undefined && anchor !== undefined && anchor.seq !== at;
  const foundId =
    at === undefined || anchor === undefined
      ? null
      : inThread
        ? (replies[anchor.id]?.find((reply) => reply.seq === at)?.id ?? null)
        : anchor.id;
  const threadOpened = useRef(false);
  useEffect(() => {
    if (!inThread || !anchor || threadOpened.current) return;
    threadOpened.current = true;
    openThread(anchor.id);
  }, [inThread, anchor, openThread]);
  // The reply lies beyond the pages of the thread loaded so far: the next page, once per page end.
  const lastReplySeq = anchor ? replies[anchor.id]?.at(-1)?.seq : undefined;
  const pagedAfter = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!inThread || !anchor || at === undefined || foundId !== null) return;
    if (lastReplySeq === undefined || lastReplySeq >= at || threadComplete[anchor.id] !== false) return;
    if (pagedAfter.current === lastReplySeq) return;
    pagedAfter.current = lastReplySeq;
    void loadThread(anchor.id);
  }, [inThread, anchor, at, foundId, lastReplySeq, threadComplete, loadThread]);
  const focused = useRef(false);
  useEffect(() => {
    if (foundId === null || !ready || focused.current) return;
    const item = document.getElementById(messageDomId(foundId));
    if (!item) return;
    focused.current = true;
    if (inThread) item.scrollIntoView({ block: "center" });
    item.focus({ preventScroll: true });
  }, [foundId, ready, inThread]);
  return foundId;
}

/** PageUp/PageDown typed in the composer scroll the message list by most of its height. */
function scrollHistoryByPage(event: KeyboardEvent<HTMLElement>) {
  if (event.key !== "PageUp" && event.key !== "PageDown") return;
  if (!(event.target instanceof HTMLTextAreaElement) || !event.target.closest(".pl-composer")) return;
  const scroller = event.currentTarget.querySelector<HTMLElement>(".pl-message-scroller");
  if (!scroller) return;
  event.preventDefault();
  const step = scroller.clientHeight * 0.9;
  scroller.scrollBy({ top: event.key === "PageUp" ? -step : step });
}

/** A change heard on the room's stream, in words for the polite live region. */
function announce(heard: HeardChange, actor: string): string {
  switch (heard.change) {
    case "edited":
      return `${actor} edited a message`;
    case "deleted":
      return `${actor} deleted a message`;
    case "reacted":
      return `${actor} added the reaction ${heard.emoji ?? ""}`;
    case "unreacted":
      return `${actor} removed the reaction ${heard.emoji ?? ""}`;
    case "pinned":
      return `${actor} pinned a message`;
    case "unpinned":
      return `${actor} unpinned a message`;
  }
}

/** Mentions are the server's to find: a message not stored yet marks none. */
const NO_MENTIONS: ReadonlySet<string> = new Set();

/** A message of mine not stored yet: drawn with my name as my stored ones are (`authorNow`). */
function OutgoingItem({
  outgoing,
  author,
  onRetry,
  onCancel,
}: {
  outgoing: Outgoing;
  author: Message["author"];
  onRetry: (clientId: string) => void;
  onCancel: (clientId: string) => void;
}) {
  return (
    <MessageItem
      kind="text"
      author={author}
      body={outgoing.text}
      text={<MessageText text={outgoing.text} mentioned={NO_MENTIONS} />}
      files={outgoing.files}
      createdAt={outgoing.createdAt}
      own
      status={outgoing.status}
      error={outgoing.error}
      onRetry={() => onRetry(outgoing.clientId)}
      onCancel={() => onCancel(outgoing.clientId)}
    />
  );
}
