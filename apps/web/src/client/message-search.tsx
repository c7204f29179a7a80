"use client";

import type { SearchHit, SearchPage } from "@parley/api/schemas";
import { BotMark, ModalDialog, timeOf } from "@parley/ui";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Search, X } from "lucide-react";
import { useRouter } from "next/navigation";
import { type KeyboardEvent, useEffect, useId, useState } from "react";
import { messageOf } from "./errors";
import { filterIn, withFilter } from "./search-text";
import { useTRPC } from "./trpc";
import { useDebounced } from "./use-debounced";

/** Results asked for per page ("Load more" asks for the next). */
const SEARCH_PAGE = 20;

/** Where a search result opens: its room, at its sequence number (the room view loads history around it). */
export const messageHref = (roomId: number, seq: number) => `/chat/rooms/${roomId}?at=${seq}`;

/** The page's query parameter that holds an open search's text: a page's URL with it opens the search. */
const SEARCH_PARAM = "search";

/** The page's URL with the search text in it (or without it: null), in place, without a navigation. */
function keepInUrl(text: string | null) {
  const url = new URL(window.location.href);
  if (text) url.searchParams.set(SEARCH_PARAM, text);
  else url.searchParams.delete(SEARCH_PARAM);
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
}

/**
 * The header's search: a button (a field-like one on wide screens, an icon on phones) that opens the
 * search dialog, as do Ctrl/Cmd+K anywhere and `/` outside a text field. The open search's text is
 * kept in the page's URL (`?search=…`), so a search can be shared or reloaded.
 */
export function MessageSearch() {
  const [open, setOpen] = useState(false);
  const [initial, setInitial] = useState("");
  useEffect(() => {
    const shared = new URLSearchParams(window.location.search).get(SEARCH_PARAM);
    if (shared) {
      setInitial(shared);
      setOpen(true);
    }
  }, []);
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      // Another dialog open (a picker, a confirmation) keeps the keys; the search's own stays usable.
      const dialog = document.querySelector("dialog[open]");
      if (dialog && !dialog.classList.contains("search-dialog")) return;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setOpen(true);
        // Already open: back to the search text.
        document.getElementById("message-search-text")?.focus();
      } else if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) {
        event.preventDefault();
        setOpen(true);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
  return (
    <>
      <button
        type="button"
        className="pl-button shell-search-button"
        aria-haspopup="dialog"
        aria-keyshortcuts="Control+K Meta+K /"
        onClick={() => setOpen(true)}
      >
        <Search size={16} aria-hidden />
        <span className="shell-search-text">Search messages</span>
        <kbd className="shell-search-key" aria-hidden>
          Ctrl K
        </kbd>
      </button>
      {open ? (
        <SearchDialog
          initial={initial}
          onClose={() => {
            keepInUrl(null);
            setInitial("");
            setOpen(false);
          }}
        />
      ) : null}
    </>
  );
}

/** Whether a key typed went into something that takes text: `/` is then a character, not the shortcut. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest("input, textarea, select, [contenteditable]") !== null;
}

type Understood = SearchPage["understood"];

/** One room's results, in the order the search gave them. */
interface Group {
  room: SearchHit["room"];
  hits: SearchHit[];
}

/** The results by room, rooms in the order their first result came. */
function groupByRoom(hits: SearchHit[]): Group[] {
  const groups = new Map<number, Group>();
  for (const hit of hits) {
    const group = groups.get(hit.room.id);
    if (group) group.hits.push(hit);
    else groups.set(hit.room.id, { room: hit.room, hits: [hit] });
  }
  return [...groups.values()];
}

/**
 * The search itself, in a modal dialog (full screen on a phone): the text (a combobox over the
 * results), the filters as controls that write the same filters into the text, what the server
 * understood as chips, and the results grouped by room. ArrowUp/ArrowDown move through the results,
 * Enter opens one, Escape closes the dialog and gives focus back.
 */
function SearchDialog({ initial, onClose }: { initial: string; onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const ids = useId();
  const [text, setText] = useState(initial);
  const [scope, setScope] = useState<"mine" | "public">("mine");
  const [order, setOrder] = useState<"newest" | "relevance">("newest");
  const input = { query: useDebounced(text.trim(), 250), scope, order, limit: SEARCH_PAGE };
  useEffect(() => keepInUrl(input.query || null), [input.query]);
  const search = useInfiniteQuery(
    trpc.search.messages.infiniteQueryOptions(input, {
      enabled: input.query !== "",
      getNextPageParam: (page) => page.nextCursor ?? undefined,
      // A refusal is not retried (it would say the same); results are read again each time they are asked for.
      retry: false,
      staleTime: 0,
    }),
  );
  const rooms = useQuery(trpc.rooms.mine.queryOptions());
  const directs = useQuery(trpc.direct.list.queryOptions());
  const peerOf = (roomId: number) => directs.data?.find((direct) => direct.room.id === roomId)?.peer;
  const roomName = (room: SearchHit["room"]) => {
    if (room.kind === "room") return `#${room.name ?? `room ${room.id}`}`;
    const peer = peerOf(room.id);
    return peer ? `Direct message with ${peer.displayName ?? peer.username}` : "Direct message";
  };

  const hits = search.data?.pages.flatMap((page) => page.items) ?? [];
  const groups = groupByRoom(hits);
  const ordered = groups.flatMap((group) => group.hits);
  const understood = search.data?.pages[0]?.understood;
  const [active, setActive] = useState(-1);
  // A new search starts from no result picked.
  // biome-ignore lint/correctness/useExhaustiveDependencies: resets when the search asked changes
  useEffect(() => setActive(-1), [input.query, scope, order]);
  const activeHit = ordered[active];
  const optionId = (hit: SearchHit) => `${ids}-hit-${hit.message.id}`;

  const open = (hit: SearchHit) => {
    onClose();
    router.push(messageHref(hit.room.id, hit.message.seq));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (ordered.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = active < 0 ? (step > 0 ? 0 : ordered.length - 1) : (active + step + ordered.length) % ordered.length;
      setActive(next);
      const hit = ordered[next];
      if (hit) document.getElementById(optionId(hit))?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      // The results shown are for an earlier text until the search for this one has answered.
      if (waiting) return;
      const hit = activeHit ?? (ordered.length === 1 ? ordered[0] : undefined);
      if (hit) open(hit);
    }
  };

  const idle = text.trim() === "";
  const waiting = !idle && text.trim() !== input.query;
  const inFlight = search.isFetching && !search.isFetchingNextPage;
  const failed = search.isError ? search.error : null;
  const status = idle
    ? ""
    : inFlight
      ? "Searching…"
      : failed
        ? ""
        : search.isSuccess && understood
          ? hits.length === 0
            ? `No messages match ${describe(understood, roomName)}.`
            : `${hits.length}${search.hasNextPage ? "+" : ""} ${hits.length === 1 ? "result" : "results"} for ${describe(understood, roomName)}.`
          : "";

  const setFilter = (key: Parameters<typeof withFilter>[1], value: string | undefined) =>
    setText((current) => withFilter(current, key, value));
  const inFilter = filterIn(text, "in");
  const fromFilter = filterIn(text, "from")?.replace(/^@/, "") ?? "";
  const dayOf = (key: "after" | "before") => {
    const value = filterIn(text, key);
    return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : "";
  };
  const roomChoices = [
    ...(rooms.data ?? []).map((room) => ({ value: `#${room.name}`, label: `#${room.name}` })),
    ...(directs.data ?? []).map((direct) => ({
      value: `@${direct.peer.username}`,
      label: `Direct message with ${direct.peer.displayName ?? direct.peer.username}`,
    })),
  ];
  const inKnown = inFilter === undefined || roomChoices.some((choice) => choice.value === inFilter);

  return (
    <ModalDialog title="Search messages" className="search-dialog" onClose={onClose} dismissOnBackdrop>
      <div className="search-head">
        <Search size={18} aria-hidden className="search-head-icon" />
        <input
          id="message-search-text"
          className="search-text"
          role="combobox"
          aria-label="Search messages"
          aria-expanded={ordered.length > 0}
          aria-controls={`${ids}-results`}
          aria-autocomplete="list"
          aria-activedescendant={activeHit ? optionId(activeHit) : undefined}
          aria-describedby={`${ids}-hint`}
          placeholder="Search messages"
          autoComplete="off"
          spellCheck={false}
          maxLength={500}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          // biome-ignore lint/a11y/noAutofocus: the dialog opens to be typed in
          autoFocus
        />
        <button type="button" className="pl-button search-close" onClick={onClose} aria-label="Close search">
          <X size={18} aria-hidden />
        </button>
      </div>
      <details className="search-filters">
        <summary>Filters</summary>
        <div className="search-filter-grid">
          <div className="search-filter">
            <label htmlFor={`${ids}-in`}>In</label>
            <select
              id={`${ids}-in`}
              className="pl-input"
              value={inFilter ?? ""}
              onChange={(event) => setFilter("in", event.target.value || undefined)}
            >
              <option value="">Any conversation</option>
              {inKnown ? null : <option value={inFilter}>{inFilter}</option>}
              {roomChoices.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          <div className="search-filter">
            <label htmlFor={`${ids}-fromuser`}>From (username)</label>
            <input
              id={`${ids}-fromuser`}
              className="pl-input"
              value={fromFilter}
              autoComplete="off"
              spellCheck={false}
              maxLength={32}
              onChange={(event) =>
                setFilter(
                  "from",
                  event.target.value.trim() ? `@${event.target.value.trim().replace(/^@+/, "")}` : undefined,
                )
              }
            />
          </div>
          <div className="search-filter">
            <label htmlFor={`${ids}-after`}>After</label>
            <input
              id={`${ids}-after`}
              type="date"
              className="pl-input"
              value={dayOf("after")}
              onChange={(event) => setFilter("after", event.target.value || undefined)}
            />
          </div>
          <div className="search-filter">
            <label htmlFor={`${ids}-before`}>Before</label>
            <input
              id={`${ids}-before`}
              type="date"
              className="pl-input"
              value={dayOf("before")}
              onChange={(event) => setFilter("before", event.target.value || undefined)}
            />
          </div>

          <div className="search-filter">
            <label htmlFor={`${ids}-where`}>Where</label>
            <select
              id={`${ids}-where`}
              className="pl-input"
              value={scope}
              onChange={(event) => setScope(event.target.value === "public" ? "public" : "mine")}
            >
              <option value="mine">My conversations</option>
              <option value="public">Public rooms</option>
            </select>
          </div>
          <div className="search-filter">
            <label htmlFor={`${ids}-order`}>Order</label>
            <select
              id={`${ids}-order`}
              className="pl-input"
              value={order}
              onChange={(event) => setOrder(event.target.value === "relevance" ? "relevance" : "newest")}
            >
              <option value="newest">Newest first</option>
              <option value="relevance">Most relevant first</option>
            </select>
          </div>
          <label className="search-filter search-filter-check">
            <input
              type="checkbox"
              checked={filterIn(text, "has") !== undefined}
              onChange={(event) => setFilter("has", event.target.checked ? "file" : undefined)}
            />
            <span>Has a file</span>
          </label>
        </div>
      </details>
      {understood && !idle && !waiting ? <UnderstoodChips understood={understood} roomName={roomName} /> : null}
      <p id={`${ids}-hint`} className="search-hint" hidden={!idle}>
        Words, <code>"a phrase"</code>, <code>OR</code>, <code>-without</code>; filters <code>in:#room</code>{" "}
        <code>in:@person</code> <code>from:@person</code> <code>after:2026-11-01</code> <code>before:2026-11-30</code>{" "}
        <code>has:file</code>. ↑ ↓ to move, Enter to open.
      </p>
      <p className="search-status" role="status" aria-live="polite">
        {status}
      </p>
      {status.startsWith("No messages match") ? (
        <p className="search-hint">
          Check the spelling, or try fewer words or filters.
          {scope === "mine" ? " To look in every public room, joined or not, choose Where: Public rooms." : ""}
        </p>
      ) : null}
      {failed ? (
        <div className="pl-alert search-error" role="alert">
          {/* The server's words: a refusal says what was wrong, a rate limit how long to wait. */}
          {messageOf(failed)}{" "}
          <button type="button" className="pl-link-button" onClick={() => void search.refetch()}>
            Try again
          </button>
        </div>
      ) : null}
      <div
        id={`${ids}-results`}
        role="listbox"
        aria-label="Results"
        className="search-results"
        hidden={ordered.length === 0}
      >
        {groups.map((group) => (
          // biome-ignore lint/a11y/useSemanticElements: a group of options inside a listbox (ARIA), not a form's fieldset
          <div
            key={group.room.id}
            role="group"
            aria-labelledby={`${ids}-room-${group.room.id}`}
            className="search-group"
          >
            <div id={`${ids}-room-${group.room.id}`} role="presentation" className="search-group-name">
              {roomName(group.room)}
            </div>
            {group.hits.map((hit) => (
              <SearchResult
                key={hit.message.id}
                id={optionId(hit)}
                hit={hit}
                active={hit === activeHit}
                onOpen={() => open(hit)}
                onPoint={() => setActive(ordered.indexOf(hit))}
              />
            ))}
          </div>
        ))}
      </div>
      {search.hasNextPage && !failed ? (
        <button
          type="button"
          className="pl-button search-more"
          disabled={search.isFetchingNextPage}
          onClick={() => void search.fetchNextPage()}
        >
          {search.isFetchingNextPage ? "Loading more…" : "Load more results"}
        </button>
      ) : null}
    </ModalDialog>
  );
}

/** One result: who wrote it and when, whether it is a reply, and its snippet with the matches marked. */
function SearchResult(props: { id: string; hit: SearchHit; active: boolean; onOpen: () => void; onPoint: () => void }) {
  const { message, snippet } = props.hit;
  // An incoming webhook's message goes by the name its payload gave (see message-row.tsx).
  const author = message.author
    ? (message.senderOverride?.username ?? message.author.displayName ?? message.author.username)
    : "Parley";
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: focus stays in the combobox's input (aria-activedescendant), which takes the keys for its options
    <div
      id={props.id}
      role="option"
      aria-selected={props.active}
      className="search-hit"
      onClick={props.onOpen}
      onMouseMove={props.active ? undefined : props.onPoint}
    >
      <span className="search-hit-meta">
        <strong>{author}</strong> {message.author?.isBot ? <BotMark /> : null}{" "}
        <time dateTime={message.createdAt}>{whenOf(message.createdAt)}</time>
        {message.parentId !== null ? <span className="search-hit-reply">reply in a thread</span> : null}
        {message.files.length > 0 ? (
          <span className="search-hit-reply">
            {message.files.length} {message.files.length === 1 ? "file" : "files"}
          </span>
        ) : null}
      </span>{" "}
      <span className="search-hit-snippet">
        {snippet.map((part, index) =>
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never move
          part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
        )}
      </span>
    </div>
  );
}

/** A result's time: today's by the clock, an older one with its date. */
function whenOf(iso: string): string {
  const date = new Date(iso);
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return timeOf(iso);
  const sameYear = date.getFullYear() === today.getFullYear();
  return date.toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    year: sameYear ? undefined : "numeric",
  });
}

/** What was searched for, in words: `“cats” in #general from @ann after 2026-11-01 with a file`. */
function describe(understood: Understood, roomName: (room: SearchHit["room"]) => string): string {
  const parts = [understood.text ? `“${understood.text}”` : "any text"];
  if (understood.room) parts.push(`in ${roomName(understood.room)}`);
  else if (understood.scope === "public") parts.push("in public rooms");
  if (understood.from) parts.push(`from @${understood.from.username}`);
  if (understood.after) parts.push(`after ${dayText(understood.after, "after")}`);
  if (understood.before) parts.push(`before ${dayText(understood.before, "before")}`);
  if (understood.hasFile) parts.push("with a file");
  return parts.join(" ");
}

/**
 * A bound the server understood, as the day typed (a UTC day: `after:` a day is understood as the
 * next day's start) or the instant.
 */
function dayText(iso: string, key: "after" | "before"): string {
  if (!iso.endsWith("T00:00:00.000Z")) return iso;
  const day = key === "after" ? new Date(Date.parse(iso) - 86_400_000).toISOString() : iso;
  return day.slice(0, 10);
}

/** The filters the server understood, each a chip (the search text and the controls say the same). */
function UnderstoodChips({
  understood,
  roomName,
}: {
  understood: Understood;
  roomName: (room: SearchHit["room"]) => string;
}) {
  const chips: string[] = [];
  if (understood.room) chips.push(`in ${roomName(understood.room)}`);
  if (understood.from) chips.push(`from @${understood.from.username}`);
  if (understood.after) chips.push(`after ${dayText(understood.after, "after")}`);
  if (understood.before) chips.push(`before ${dayText(understood.before, "before")}`);
  if (understood.hasFile) chips.push("has a file");
  if (understood.scope === "public") chips.push("public rooms");
  if (understood.order === "relevance") chips.push("most relevant first");
  if (chips.length === 0) return null;
  return (
    <ul className="search-chips" aria-label="Filters understood">
      {chips.map((chip) => (
        <li key={chip} className="search-chip">
          {chip}
        </li>
      ))}
    </ul>
  );
}
