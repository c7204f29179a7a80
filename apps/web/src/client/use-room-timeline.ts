"use client";

import type { ParentUpdate } from "@parley/api/bus";
import type { FileOut, MessageChangeKind } from "@parley/api/schemas";
import { skipToken } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useEffect, useReducer, useRef } from "react";
import { isLinkFailure, isSessionEnded, messageOf } from "./errors";
import { SEND_TIMEOUT_MS, useOutbox } from "./outbox";
import { type Message, useTRPC, useTRPCClient } from "./trpc";

const PAGE = 50;
/** Messages on each side of the one a search result opens the room at. */
const AROUND = 25;

/**
 * A message typed here that the server has not confirmed yet: on its way (`pending`), waiting in the
 * tab's outbox for the connection (`queued`), or refused (`failed`, `error` says why).
 */
export interface Outgoing {
  clientId: string;
  text: string;
  /** The files it carries, uploaded already. */
  files: FileOut[];
  createdAt: string;
  status: "pending" | "queued" | "failed";
  error?: string;
}

export interface Typist {
  userId: number;
  username: string;
  until: number;
}

/** A change to a message heard on the room's stream, for announcing it. */
export interface HeardChange {
  change: MessageChangeKind;
  actorId: number;
  emoji: string | null;
  message: Message;
}

export interface Timeline {
  /** Confirmed top-level messages by sequence number, oldest first, each once (replies live in `replies`). */
  messages: Message[];
  /** Replies by their parent's id, oldest first: those loaded with a thread and those heard live. */
  replies: Record<number, Message[]>;
  /** The parents of the threads opened, by id, kept current (a parent may be older than the pages loaded). */
  parents: Record<number, Message>;
  /** Whether a thread's replies have all been loaded, by parent id (absent: not loaded yet). */
  threadComplete: Record<number, boolean>;
  /** The newest sequence number of a message (top-level or reply) this browser holds: the read mark. */
  newestSeq: number | undefined;
  outgoing: Outgoing[];
  /**
   * Null until the newest messages have loaded (the newest page, or the last page after a window
   * around an older message): the live stream starts from there.
   */
  startAfter: number | null;
  /** Whether a first page (the newest, or a window around a sequence number) has loaded. */
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  /** The timeline holds a window of older messages (`around`): newer ones are paged in, then the stream starts. */
  hasNewer: boolean;
  loadingNewer: boolean;
  /** The message a window around a sequence number was opened at (its top-level message), else null. */
  anchorId: number | null;
  /** Where the window around an older message was read (the room's `lastSeq` then): the stream starts there once the newest is reached. */
  readAt: number | null;
  /**
   * Which first page the timeline holds: bumped by each newest page and each window. A page of
   * older or newer messages asked for under another one (a jump to the latest while it was on its
   * way) belongs elsewhere in the room, and is dropped rather than joined to this one with a gap.
   */
  generation: number;
  error: string | null;
  typing: Typist[];
}

export type TimelineAction =
  /** The newest page; `lastSeq` is the room's sequence number it was read at (where the stream starts). */
  | { type: "loaded"; items: Message[]; hasOlder: boolean; lastSeq?: number }
  | { type: "older"; items: Message[]; hasOlder: boolean; generation: number }
  | { type: "loading-older" }
  /** A window around a sequence number (`history.around`), instead of the newest page. */
  | { type: "around"; items: Message[]; anchorId: number | null; hasOlder: boolean; hasNewer: boolean; lastSeq: number }
  /** The next page after the window; with `hasNewer` false the newest is reached and the stream starts. */
  | { type: "newer"; items: Message[]; hasNewer: boolean; lastSeq: number; generation: number }
  | { type: "loading-newer" }
  | { type: "received"; items: Message[]; parent?: ParentUpdate }
  | { type: "changed"; message: Message; parent?: ParentUpdate }
  | { type: "thread"; parent: Message; items: Message[]; hasMore: boolean }
  | { type: "outgoing"; outgoing: Outgoing }
  | { type: "failed"; clientId: string; error: string }
  /** Gone from this room's own list: handed to the outbox, or cancelled. */
  | { type: "dropped"; clientId: string }
  | { type: "typing"; typist: Typist }
  | { type: "typing-expired"; now: number }
  | { type: "error"; error: string };

export const emptyTimeline: Timeline = {
  messages: [],
  replies: {},
  parents: {},
  threadComplete: {},
  newestSeq: undefined,
  outgoing: [],
  startAfter: null,
  loaded: false,
  hasOlder: false,
  loadingOlder: false,
  hasNewer: false,
  loadingNewer: false,
  anchorId: null,
  readAt: null,
  generation: 0,
  error: null,
  typing: [],
};

/**
 * Puts messages in by id, in sequence order: whatever the order and however often they arrive, each
 * appears once, as the newest copy says. A tombstone stays one: a late copy of the text (an answer
 * overtaken by the deletion) never brings it back.
 */
function upsert(messages: Message[], incoming: Message[]): Message[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  for (const message of incoming) {
    const held = byId.get(message.id);
    byId.set(message.id, held?.deletedAt && !message.deletedAt ? held : message);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** A parent's new thread summary, wherever the parent is held. */
function withParent(messages: Message[], parent: ParentUpdate | undefined): Message[] {
  if (!parent) return messages;
  return messages.map((message) => (message.id === parent.id ? { ...message, thread: parent.thread } : message));
}

/**
 * Files messages where they belong: top-level ones in the timeline, replies under their parent when
 * its thread has been opened (otherwise the parent's summary tells of them). A changed message
 * (`heldOnly`) is only updated where it is held: a change to a message older than the pages loaded
 * does not pull it into the timeline.
 */
function place(state: Timeline, incoming: Message[], parent?: ParentUpdate, heldOnly = false): Timeline {
  const held = new Set(state.messages.map((message) => message.id));
  const top = incoming.filter((message) => message.parentId === null && (!heldOnly || held.has(message.id)));
  const replies = { ...state.replies };
  for (const reply of incoming) {
    if (reply.parentId === null) continue;
    const thread = replies[reply.parentId];
    if (thread) replies[reply.parentId] = upsert(thread, [reply]);
  }
  const parents = { ...state.parents };
  for (const message of incoming) {
    const held = parents[message.id];
    if (held) parents[message.id] = upsert([held], [message])[0] ?? held;
  }
  if (parent) {
    const held = parents[parent.id];
    if (held) parents[parent.id] = { ...held, thread: parent.thread };
  }
  const newest = Math.max(state.newestSeq ?? 0, ...incoming.map((message) => message.seq));
  return {
    ...state,
    messages: withParent(top.length > 0 ? upsert(state.messages, top) : state.messages, parent),
    replies,
    parents,
    newestSeq: newest > 0 ? newest : state.newestSeq,
  };
}

/** The timeline's state machine (pure: exported for its tests). */
export function timelineReducer(state: Timeline, action: TimelineAction): Timeline {
  switch (action.type) {
    case "loaded": {
      // A reset starts again from the newest page: replies and threads are read again when opened.
      const loaded = place({ ...state, messages: [], replies: {}, parents: {}, threadComplete: {} }, action.items);
      // The stream starts where the page was read, not at its newest message: changes and replies
      // after that message are in the page already, and replaying them could reach a reset.
      const startAfter = state.startAfter ?? action.lastSeq ?? loaded.newestSeq ?? 0;
      return {
        ...loaded,
        hasOlder: action.hasOlder,
        startAfter,
        loaded: true,
        hasNewer: false,
        loadingNewer: false,
        loadingOlder: false,
        anchorId: null,
        generation: state.generation + 1,
        error: null,
      };
    }
    case "around": {
      const placed = place({ ...state, messages: [], replies: {}, parents: {}, threadComplete: {} }, action.items);
      // Already the newest: the stream starts where the window was read, as after the newest page.
      const startAfter = action.hasNewer ? state.startAfter : (state.startAfter ?? action.lastSeq);
      return {
        ...placed,
        hasOlder: action.hasOlder,
        hasNewer: action.hasNewer,
        loadingNewer: false,
        loadingOlder: false,
        generation: state.generation + 1,
        anchorId: action.anchorId,
        readAt: action.lastSeq,
        startAfter,
        loaded: true,
        error: null,
      };
    }
    case "newer": {
      if (action.generation !== state.generation) return state;
      // Once the newest is reached, the stream replays from where the window was read: changes made
      // meanwhile to the messages paged through are applied, and messages already held are kept once.
      const reached = !action.hasNewer;
      return {
        ...place(state, action.items),
        hasNewer: action.hasNewer,
        loadingNewer: false,
        startAfter: reached ? (state.startAfter ?? state.readAt ?? action.lastSeq) : state.startAfter,
      };
    }
    case "loading-newer":
      return { ...state, loadingNewer: true };
    case "older":
      if (action.generation !== state.generation) return state;
      return {
        ...state,
        messages: upsert(state.messages, action.items),
        hasOlder: action.hasOlder,
        loadingOlder: false,
      };
    case "changed":
      return place(state, [action.message], action.parent, true);
    case "thread": {
      const opened = {
        ...state,
        replies: { ...state.replies, [action.parent.id]: state.replies[action.parent.id] ?? [] },
        parents: { ...state.parents, [action.parent.id]: state.parents[action.parent.id] ?? action.parent },
      };
      const placed = place(place(opened, [action.parent], undefined, true), action.items);
      return { ...placed, threadComplete: { ...state.threadComplete, [action.parent.id]: !action.hasMore } };
    }
    case "loading-older":
      return { ...state, loadingOlder: true };
    case "received": {
      // The server's copy replaces the optimistic one with the same client id; its author stops typing.
      const confirmed = new Set(action.items.map((message) => message.clientId).filter(Boolean));
      const authors = new Set(action.items.map((message) => message.author?.id));
      return {
        ...place(state, action.items, action.parent),
        outgoing: state.outgoing.filter((item) => !confirmed.has(item.clientId)),
        typing: state.typing.filter((typist) => !authors.has(typist.userId)),
      };
    }
    case "outgoing":
      return {
        ...state,
        outgoing: [...state.outgoing.filter((item) => item.clientId !== action.outgoing.clientId), action.outgoing],
      };
    case "dropped":
      return { ...state, outgoing: state.outgoing.filter((item) => item.clientId !== action.clientId) };
    case "failed":
      return {
        ...state,
        outgoing: state.outgoing.map((item) =>
          item.clientId === action.clientId ? { ...item, status: "failed", error: action.error } : item,
        ),
      };
    case "typing":
      return {
        ...state,
        typing: [...state.typing.filter((typist) => typist.userId !== action.typist.userId), action.typist],
      };
    case "typing-expired":
      return { ...state, typing: state.typing.filter((typist) => typist.until > action.now) };
    case "error":
      return { ...state, error: action.error, loadingOlder: false, loadingNewer: false };
  }
}

/**
 * A room's conversation as this browser sees it: the newest page of history (or, given `at`, a
 * window around that sequence number, with newer pages on demand until the newest is reached), older
 * pages on demand, then the live stream from the last message loaded. The stream resumes by its last event id
 * after a reconnect (tRPC sends it), and a `reset` reloads the newest page. Sends are optimistic,
 * with a client id: a retry can never post twice, and the server's echo replaces the copy. A send
 * made offline, or lost on the way, waits in the tab's outbox (`useOutbox`) and is shown as queued.
 */
export function useRoomTimeline(
  roomId: number,
  member: boolean,
  onChange?: (change: HeardChange) => void,
  at?: number,
) {
  const client = useTRPCClient();
  const [state, dispatch] = useReducer(timelineReducer, emptyTimeline);
  const stateRef = useRef(state);
  stateRef.current = state;

  const loadNewest = useCallback(async () => {
    try {
      const page = await client.history.list.query({ roomId, limit: PAGE });
      dispatch({ type: "loaded", items: page.items, hasOlder: page.hasMore, lastSeq: page.lastSeq });
    } catch (error) {
      dispatch({ type: "error", error: messageOf(error) });
    }
  }, [client, roomId]);

  const loadAround = useCallback(
    async (seq: number) => {
      try {
        const page = await client.history.around.query({ roomId, seq, limit: AROUND });
        dispatch({
          type: "around",
          items: page.items,
          anchorId: page.anchorId,
          hasOlder: page.hasMoreBefore,
          hasNewer: page.hasMoreAfter,
          lastSeq: page.lastSeq,
        });
      } catch (error) {
        dispatch({ type: "error", error: messageOf(error) });
      }
    },
    [client, roomId],
  );

  useEffect(() => {
    if (!member) return;
    if (at === undefined) void loadNewest();
    else void loadAround(at);
  }, [loadNewest, loadAround, member, at]);

  const loadNewer = useCallback(async () => {
    const { messages, loadingNewer, hasNewer, generation } = stateRef.current;
    const newest = messages.at(-1)?.seq;
    if (loadingNewer || !hasNewer || newest === undefined) return;
    dispatch({ type: "loading-newer" });
    try {
      const page = await client.history.list.query({ roomId, after: newest, limit: PAGE });
      dispatch({ type: "newer", items: page.items, hasNewer: page.hasMore, lastSeq: page.lastSeq, generation });
    } catch (error) {
      dispatch({ type: "error", error: messageOf(error) });
    }
  }, [client, roomId]);

  const loadOlder = useCallback(async () => {
    const { messages, loadingOlder, hasOlder, generation } = stateRef.current;
    const oldest = messages[0]?.seq;
    if (loadingOlder || !hasOlder || oldest === undefined) return;
    dispatch({ type: "loading-older" });
    try {
      const page = await client.history.list.query({ roomId, before: oldest, limit: PAGE });
      dispatch({ type: "older", items: page.items, hasOlder: page.hasMore, generation });
    } catch (error) {
      dispatch({ type: "error", error: messageOf(error) });
    }
  }, [client, roomId]);

  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const trpc = useTRPC();
  useSubscription(
    // The input stays the same once the stream has started; on reconnect tRPC resumes it from the last event id.
    trpc.events.room.subscriptionOptions(
      state.startAfter === null ? skipToken : { roomId, lastEventId: String(state.startAfter) },
      {
        onData({ data: event }) {
          switch (event.type) {
            case "message":
              dispatch({ type: "received", items: [event.message], parent: event.parent });
              break;
            case "change":
              dispatch({ type: "changed", message: event.message, parent: event.parent });
              onChangeRef.current?.(event);
              break;
            case "reset":
              void loadNewest();
              break;
            case "typing":
              dispatch({ type: "typing", typist: event });
              break;
          }
        },
        onError(error) {
          if (!isSessionEnded(error)) dispatch({ type: "error", error: messageOf(error) });
        },
      },
    ),
  );

  // Typing notices lapse on their own.
  const typingCount = state.typing.length;
  useEffect(() => {
    if (typingCount === 0) return;
    const timer = setInterval(() => dispatch({ type: "typing-expired", now: Date.now() }), 1000);
    return () => clearInterval(timer);
  }, [typingCount]);

  const outbox = useOutbox();
  const outboxRef = useRef(outbox);
  outboxRef.current = outbox;
  useEffect(
    () => outbox.onStored(roomId, (message) => dispatch({ type: "received", items: [message] })),
    [outbox.onStored, roomId],
  );

  const deliverNow = useCallback(
    async (outgoing: Outgoing) => {
      const { clientId, text, createdAt, files } = outgoing;
      // Offline, or behind messages already waiting: it waits too, in order.
      if (!navigator.onLine || outboxRef.current.holds(roomId)) {
        dispatch({ type: "dropped", clientId });
        outboxRef.current.enqueue({ clientId, roomId, text, createdAt, files });
        return;
      }
      try {
        const fileIds = files.length > 0 ? files.map((file) => file.id) : undefined;
        const message = await client.messages.send.mutate(
          { roomId, text, clientId, fileIds },
          { signal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
        );
        dispatch({ type: "received", items: [message] });
      } catch (error) {
        if (isLinkFailure(error)) {
          dispatch({ type: "dropped", clientId });
          outboxRef.current.enqueue({ clientId, roomId, text, createdAt, files });
        } else {
          dispatch({ type: "failed", clientId, error: messageOf(error) });
        }
      }
    },
    [client, roomId],
  );

  /**
   * This page's sends, one after another: a send goes once the one before it was answered or queued,
   * so a message never overtakes one sent before it (say, one whose answer is late and which then
   * waits in the outbox).
   */
  const sendChain = useRef<Promise<void>>(Promise.resolve());

  const deliver = useCallback(
    (outgoing: Outgoing) => {
      dispatch({ type: "outgoing", outgoing: { ...outgoing, status: "pending", error: undefined } });
      const run = sendChain.current.then(() => deliverNow(outgoing));
      sendChain.current = run;
      return run;
    },
    [deliverNow],
  );

  /** Sends a message: its text (a caption, maybe '', with files) and the files uploaded for it. */
  const send = useCallback(
    (text: string, files: FileOut[] = []) => {
      // Writing while an older window is shown: the room goes to its newest messages, where this one lands.
      if (stateRef.current.hasNewer) void loadNewest();
      return deliver({
        clientId: crypto.randomUUID(),
        text,
        files,
        createdAt: new Date().toISOString(),
        status: "pending",
      });
    },
    [deliver, loadNewest],
  );

  const retry = useCallback(
    (clientId: string) => {
      if (outboxRef.current.messages.some((item) => item.clientId === clientId))
        return outboxRef.current.retry(clientId);
      const outgoing = stateRef.current.outgoing.find((item) => item.clientId === clientId);
      if (outgoing) void deliver(outgoing);
    },
    [deliver],
  );

  /** Gives up a message not sent yet (queued or refused). */
  const cancel = useCallback((clientId: string) => {
    outboxRef.current.cancel(clientId);
    dispatch({ type: "dropped", clientId });
  }, []);

  // What waits in the outbox for this room, after what this page is sending itself; a queued copy
  // whose message the stream already brought (its answer was lost) is not shown twice.
  const stored = new Set(state.messages.map((message) => message.clientId));
  const outgoing: Outgoing[] = [
    ...state.outgoing,
    ...outbox.messages.filter((item) => item.roomId === roomId && !stored.has(item.clientId)),
  ];

  /** Loads a thread's first page of replies, or its next one; errors come back in words. */
  const loadThread = useCallback(
    async (parentId: number): Promise<string | null> => {
      const after = stateRef.current.replies[parentId]?.at(-1)?.seq;
      try {
        const page = await client.messages.thread.query({ messageId: parentId, after, limit: PAGE });
        dispatch({ type: "thread", parent: page.parent, items: page.items, hasMore: page.hasMore });
        return null;
      } catch (error) {
        return messageOf(error);
      }
    },
    [client],
  );

  /**
   * Sends a reply in a thread (with files uploaded for it); its answer is put in at once, the
   * parent's summary follows on the stream.
   */
  const reply = useCallback(
    async (parentId: number, text: string, files: FileOut[] = []): Promise<string | null> => {
      try {
        const fileIds = files.length > 0 ? files.map((file) => file.id) : undefined;
        const message = await client.messages.send.mutate({
          roomId,
          text,
          parentId,
          clientId: crypto.randomUUID(),
          fileIds,
        });
        dispatch({ type: "received", items: [message] });
        return null;
      } catch (error) {
        return messageOf(error);
      }
    },
    [client, roomId],
  );

  /** The first page again, after it failed: the window around `at`, or the newest page. */
  const reload = useCallback(() => (at === undefined ? loadNewest() : loadAround(at)), [at, loadNewest, loadAround]);

  return { ...state, outgoing, loadOlder, loadNewer, loadNewest, reload, send, retry, cancel, loadThread, reply };
}
