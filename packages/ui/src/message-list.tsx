"use client";

import { Children, type ReactNode, useEffect, useLayoutEffect, useRef } from "react";

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
}

/** How close to the bottom counts as "reading the newest": new messages then keep it in view. */
const STICK_PX = 80;

/**
 * The scrolling list a conversation's messages go in (`role="log"`, announced politely). It keeps
 * the newest message in view while the reader is at the bottom, keeps their place when older
 * messages are put on top, and asks for those when the reader scrolls up to the top.
 */
export function MessageList(props: MessageListProps) {
  const { children, label, firstKey, lastKey, hasOlder = false, loadingOlder = false, onReachTop, empty } = props;
  const loading = props.loading ?? false;
  const scroller = useRef<HTMLElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const before = useRef({ firstKey, lastKey, height: 0, top: 0 });

  // Runs before paint: a prepend keeps the reader's place, an append while at the bottom follows it.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const previous = before.current;
    if (previous.firstKey !== undefined && previous.firstKey !== firstKey && previous.lastKey === lastKey) {
      el.scrollTop = previous.top + (el.scrollHeight - previous.height);
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    before.current = { firstKey, lastKey, height: el.scrollHeight, top: el.scrollTop };
  }, [firstKey, lastKey]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasOlder || loadingOlder || !onReachTop) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onReachTop();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasOlder, loadingOlder, onReachTop]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    before.current = { ...before.current, height: el.scrollHeight, top: el.scrollTop };
  }

  // Children.toArray flattens nested lists and drops null: `[[], []]` is no message at all.
  const hasChildren = Children.toArray(children).length > 0;
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
    </section>
  );
}
