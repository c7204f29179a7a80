"use client";

import { skipToken } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useEffect, useReducer, useRef } from "react";
import { isSessionEnded, messageOf } from "./errors";
import { type Message, useTRPC, useTRPCClient } from "./trpc";

const PAGE = 50;

/** A message typed here that the server has not confirmed yet. */
export interface Outgoing {
  clientId: string;
  text: string;
  createdAt: string;
  status: "pending" | "failed";
  error?: string;
}

export interface Typist {
  userId: number;
  username: string;
  until: number;
}

interface Timeline {
  /** Confirmed messages by sequence number, oldest first, each once. */
  messages: Message[];
  outgoing: Outgoing[];
  /** Null until the newest page has loaded: the live stream starts from its last message. */
  startAfter: number | null;
  hasOlder: boolean;
  loadingOlder: boolean;
  error: string | null;
  typing: Typist[];
  online: Set<number>;
}

type Action =
  | { type: "loaded"; items: Message[]; hasOlder: boolean }
  | { type: "older"; items: Message[]; hasOlder: boolean }
  | { type: "loading-older" }
  | { type: "received"; items: Message[] }
  | { type: "outgoing"; outgoing: Outgoing }
  | { type: "failed"; clientId: string; error: string }
  | { type: "typing"; typist: Typist }
  | { type: "typing-expired"; now: number }
  | { type: "presence"; online: number[] }
  | { type: "error"; error: string };

const empty: Timeline = {
  messages: [],
  outgoing: [],
  startAfter: null,
  hasOlder: false,
  loadingOlder: false,
  error: null,
  typing: [],
  online: new Set(),
};

/** Merges messages in by sequence number: whatever the order and however often they arrive, each appears once. */
function merge(messages: Message[], incoming: Message[]): Message[] {
  const bySeq = new Map(messages.map((message) => [message.seq, message]));
  for (const message of incoming) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function reduce(state: Timeline, action: Action): Timeline {
  switch (action.type) {
    case "loaded": {
      const messages = merge([], action.items);
      return { ...state, messages, hasOlder: action.hasOlder, startAfter: messages.at(-1)?.seq ?? 0, error: null };
    }
    case "older":
      return {
        ...state,
        messages: merge(state.messages, action.items),
        hasOlder: action.hasOlder,
        loadingOlder: false,
      };
    case "loading-older":
      return { ...state, loadingOlder: true };
    case "received": {
      // The server's copy replaces the optimistic one with the same client id; its author stops typing.
      const confirmed = new Set(action.items.map((message) => message.clientId).filter(Boolean));
      const authors = new Set(action.items.map((message) => message.author?.id));
      return {
        ...state,
        messages: merge(state.messages, action.items),
        outgoing: state.outgoing.filter((item) => !confirmed.has(item.clientId)),
        typing: state.typing.filter((typist) => !authors.has(typist.userId)),
      };
    }
    case "outgoing":
      return {
        ...state,
        outgoing: [...state.outgoing.filter((item) => item.clientId !== action.outgoing.clientId), action.outgoing],
      };
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
    case "presence":
      return { ...state, online: new Set(action.online) };
    case "error":
      return { ...state, error: action.error, loadingOlder: false };
  }
}

/**
 * A room's conversation as this browser sees it: the newest page of history, older pages on
 * demand, then the live stream from the last message loaded. The stream resumes by its last event id
 * after a reconnect (tRPC sends it), and a `reset` reloads the newest page. Sends are optimistic,
 * with a client id: a retry can never post twice, and the server's echo replaces the copy.
 */
export function useRoomTimeline(roomId: number, member: boolean) {
  const client = useTRPCClient();
  const [state, dispatch] = useReducer(reduce, empty);
  const stateRef = useRef(state);
  stateRef.current = state;

  const loadNewest = useCallback(async () => {
    try {
      const page = await client.history.list.query({ roomId, limit: PAGE });
      dispatch({ type: "loaded", items: page.items, hasOlder: page.hasMore });
    } catch (error) {
      dispatch({ type: "error", error: messageOf(error) });
    }
  }, [client, roomId]);

  useEffect(() => {
    if (member) void loadNewest();
  }, [loadNewest, member]);

  const loadOlder = useCallback(async () => {
    const { messages, loadingOlder, hasOlder } = stateRef.current;
    const oldest = messages[0]?.seq;
    if (loadingOlder || !hasOlder || oldest === undefined) return;
    dispatch({ type: "loading-older" });
    try {
      const page = await client.history.list.query({ roomId, before: oldest, limit: PAGE });
      dispatch({ type: "older", items: page.items, hasOlder: page.hasMore });
    } catch (error) {
      dispatch({ type: "error", error: messageOf(error) });
    }
  }, [client, roomId]);

  const trpc = useTRPC();
  useSubscription(
    // The input stays the same once the stream has started; on reconnect tRPC resumes it from the last event id.
    trpc.events.room.subscriptionOptions(
      state.startAfter === null ? skipToken : { roomId, lastEventId: String(state.startAfter) },
      {
        onData({ data: event }) {
          switch (event.type) {
            case "message":
              dispatch({ type: "received", items: [event.message] });
              break;
            case "reset":
              void loadNewest();
              break;
            case "typing":
              dispatch({ type: "typing", typist: event });
              break;
            case "presence":
              dispatch({ type: "presence", online: event.online.map((entry) => entry.userId) });
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

  const deliver = useCallback(
    async (outgoing: Outgoing) => {
      dispatch({ type: "outgoing", outgoing: { ...outgoing, status: "pending", error: undefined } });
      try {
        const message = await client.messages.send.mutate({ roomId, text: outgoing.text, clientId: outgoing.clientId });
        dispatch({ type: "received", items: [message] });
      } catch (error) {
        dispatch({ type: "failed", clientId: outgoing.clientId, error: messageOf(error) });
      }
    },
    [client, roomId],
  );

  const send = useCallback(
    (text: string) =>
      deliver({ clientId: crypto.randomUUID(), text, createdAt: new Date().toISOString(), status: "pending" }),
    [deliver],
  );

  const retry = useCallback(
    (clientId: string) => {
      const outgoing = stateRef.current.outgoing.find((item) => item.clientId === clientId);
      if (outgoing) void deliver(outgoing);
    },
    [deliver],
  );

  return { ...state, loadOlder, send, retry };
}
