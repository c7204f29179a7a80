"use client";

import { Children, type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { Icon } from "./icons";

export interface MessageListProps {
  /** `MessageItem`s, oldest first. */
  children: ReactNode;
  /** Names the conversation for screen readers. */
  label: string;
  /** Keys of the first and last items: tell older messages put on top from new ones at the end. */
  firstKey?: string | number;
  lastKey?: string | number;
  /** Whether older messages exist to load; `onReachTop` is called when the reader scrolls up to them. */
  hasOlder?: boolean;
  loadingOlder?: boolean;
  onReachTop?: () => void;
  /** The history is still being read: shown as loading (a `role="status"`), never as empty. */
  loading?: boolean;
  /** Shown when there are no messages at all (and nothing is loading). */
  empty?: ReactNode;
  /**
   * The DOM id of an item to land on (e.g. the "New messages" divider): once it is drawn, the list
   * scrolls it to the top, once per id, instead of following the bottom.
   */
  landAt?: string;
  /**
   * Whether newer messages exist to load (the list shows an older window, e.g. around a search
   * result): `onReachBottom` is called when the reader scrolls down to them, the list does not follow
   * the bottom, and "Jump to latest" calls `onJumpToLatest`.
   */
  hasNewer?: boolean;
  loadingNewer?: boolean;
  onReachBottom?: () => void;
  onJumpToLatest?: () => void;
  /** Lands `landAt` in the middle of the view rather than at its top (a found message, with what surrounds it). */
  landCentered?: boolean;
  /** Told whenever what the reader sees changes (scrolling, landing, new messages); see `ListView`. */
  onView?: (view: ListView) => void;
  /** How many new messages are below the view: shown on the "Jump to latest" button while scrolled up. */
  newBelow?: number;
}

/** What the reader sees of the list. */
export interface ListView {
  /**
   * Within STICK_PX of the bottom, and no newer messages left to load: the newest message is in view,
   * and new ones stay in view.
   */
  atBottom: boolean;
  /** The DOM id of the last message item (`li[id][data-kind]`) whose bottom edge is in view, if any. */
  lastSeenId: string | undefined;
}

/** How close to the bottom counts as "reading the newest": new messages then keep it in view. */
const STICK_PX = 80;
/** Room left above the item landed on, so that what comes before it can be glimpsed. */
const LAND_MARGIN_PX = 8;

/** The last message item whose bottom edge is inside the scroller's view (items are oldest first). */
function lastSeenIn(el: HTMLElement): string | undefined {
  const bottom = el.getBoundingClientRect().bottom + 1;
  const items = el.querySelectorAll<HTMLElement>("li[id][data-kind]");
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index];
    if (item && item.getBoundingClientRect().bottom <= bottom) return item.id;
  }
  return undefined;
}

/**
 * The scrolling list a conversation's messages go in (`role="log"`, announced politely). It keeps
 * the newest message in view while the reader is at the bottom, keeps their place when older
 * messages are put on top, and asks for those when the reader scrolls up to the top.
 */
export function MessageList(props: MessageListProps) {
  const { children, label, firstKey, lastKey, hasOlder = false, loadingOlder = false, onReachTop, empty } = props;
  const { landAt, onView, newBelow = 0, hasNewer = false, loadingNewer = false, onReachBottom, onJumpToLatest } = props;
  const { landCentered = false } = props;
  const loading = props.loading ?? false;
  const scroller = useRef<HTMLElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const bottomSentinel = useRef<HTMLDivElement>(null);
  const hasNewerRef = useRef(hasNewer);
  hasNewerRef.current = hasNewer;
  const atBottom = useRef(true);
  const [scrolledUp, setScrolledUp] = useState(false);
  const before = useRef({ firstKey, lastKey, height: 0, top: 0 });
  const landed = useRef<string | undefined>(undefined);
  const onViewRef = useRef(onView);
  onViewRef.current = onView;
  const told = useRef<ListView | undefined>(undefined);
  // Children.toArray flattens nested lists and drops null: `[[], []]` is no message at all.
  const hasChildren = Children.toArray(children).length > 0;

  /** Reads where the reader is, and tells `onView` when that changed. */
  const look = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = !hasNewerRef.current && el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    setScrolledUp(!atBottom.current);
    const view: ListView = { atBottom: atBottom.current, lastSeenId: lastSeenIn(el) };
    if (told.current?.atBottom === view.atBottom && told.current.lastSeenId === view.lastSeenId) return;
    told.current = view;
    onViewRef.current?.(view);
  }, []);

  // Runs before paint: landing on `landAt` once, else a prepend keeps the reader's place, and an
  // append while at the bottom follows it. Also when the messages are first drawn: that may come
  // after their keys were known (the app holds them back while it finds where to land).
  // biome-ignore lint/correctness/useExhaustiveDependencies: hasChildren is the messages being drawn
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const previous = before.current;
    const target = landAt && landed.current !== landAt ? document.getElementById(landAt) : null;
    if (target && el.contains(target)) {
      landed.current = landAt;
      const offset = landCentered ? (el.clientHeight - target.getBoundingClientRect().height) / 2 : LAND_MARGIN_PX;
      el.scrollTop += target.getBoundingClientRect().top - el.getBoundingClientRect().top - Math.max(offset, 0);
    } else if (previous.firstKey !== undefined && previous.firstKey !== firstKey && previous.lastKey === lastKey) {
      el.scrollTop = previous.top + (el.scrollHeight - previous.height);
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    before.current = { firstKey, lastKey, height: el.scrollHeight, top: el.scrollTop };
    look();
  }, [firstKey, lastKey, landAt, landCentered, hasChildren, look]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasOlder || loadingOlder || !onReachTop) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onReachTop();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasOlder, loadingOlder, onReachTop]);

  useEffect(() => {
    const el = bottomSentinel.current;
    if (!el || !hasNewer || loadingNewer || !onReachBottom) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onReachBottom();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasNewer, loadingNewer, onReachBottom]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    before.current = { ...before.current, height: el.scrollHeight, top: el.scrollTop };
    look();
  }

  function jumpToLatest() {
    const el = scroller.current;
    if (!el) return;
    if (hasNewer && onJumpToLatest) {
      atBottom.current = true;
      el.focus({ preventScroll: true });
      onJumpToLatest();
      return;
    }
    el.scrollTop = el.scrollHeight;
    el.focus({ preventScroll: true });
  }

  return (
    // A tab stop of its own (a named region), so the history scrolls from the keyboard: arrows, PageUp, PageDown.
    <section
      className="pl-message-scroller"
      ref={scroller}
      onScroll={onScroll}
      aria-label={label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
      tabIndex={0}
    >
      <div ref={sentinel} className="pl-history-edge">
        {loadingOlder
          ? "Loading earlier messages…"
          : hasOlder
            ? ""
            : hasChildren && !loading
              ? "The beginning of this conversation"
              : ""}
      </div>
      {loading && !hasChildren ? (
        <p className="pl-empty" role="status">
          Loading messages…
        </p>
      ) : hasChildren ? null : (
        <div className="pl-empty">{empty}</div>
      )}
      {/* The log is a list inside it: a list keeps its items' semantics (an <ol> may not take role="log"). */}
      <div role="log" aria-label={label} aria-live="polite">
        <ol className="pl-message-list">{children}</ol>
      </div>
      {hasNewer ? (
        <div ref={bottomSentinel} className="pl-history-edge pl-history-edge-newer">
          {loadingNewer ? "Loading later messages…" : ""}
        </div>
      ) : null}
      {(scrolledUp || hasNewer) && hasChildren ? (
        // Sticks to the bottom of the view, taking no room in the list (see .pl-jump).
        <div className="pl-jump">
          <button
            type="button"
            className="pl-button pl-jump-button"
            onClick={jumpToLatest}
            aria-label={
              newBelow > 0
                ? `Jump to latest, ${newBelow} new ${newBelow === 1 ? "message" : "messages"}`
                : "Jump to latest"
            }
          >
            <Icon name="jumpToLatest" /> Jump to latest
            {newBelow > 0 ? <span className="pl-jump-count">{newBelow} new</span> : null}
          </button>
        </div>
      ) : null}
    </section>
  );
}
