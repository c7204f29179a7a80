"use client";

import { useCallback, useEffect, useState } from "react";

/** Drafts live in this browser's localStorage under this prefix, then the user id and the conversation. */
const DRAFT_PREFIX = "parley.draft.";

/**
 * The unsent text of one conversation (or one thread: `key` "room:12", "thread:345"), kept per
 * signed-in user in localStorage: it survives switching conversations and reloading the page, and
 * goes when sent (an empty draft is removed). Read after mounting, so that the server's render and
 * the browser's first one agree. Storage refused (private mode, full) only loses the draft.
 */
export function useDraft(userId: number, key: string): [string, (text: string) => void] {
  const storageKey = `${DRAFT_PREFIX}${userId}.${key}`;
  const [text, setText] = useState("");
  useEffect(() => {
    setText(readStorage(storageKey));
  }, [storageKey]);
  const update = useCallback(
    (next: string) => {
      setText(next);
      writeStorage(storageKey, next);
    },
    [storageKey],
  );
  return [text, update];
}

/** Set once this page signs out: no draft is written again (typing meanwhile must not put one back). */
let cleared = false;

/** Forgets every draft kept in this browser, for good on this page: signing out leaves nothing typed behind. */
export function clearDrafts(): void {
  cleared = true;
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(DRAFT_PREFIX)) localStorage.removeItem(key);
  } catch {
    // Storage not available: nothing was kept.
  }
}

function readStorage(key: string): string {
  try {
    return localStorage.getItem(key) ?? "";
  } catch {
    return "";
  }
}

function writeStorage(key: string, text: string): void {
  if (cleared) return;
  try {
    if (text.trim() === "") localStorage.removeItem(key);
    else localStorage.setItem(key, text);
  } catch {
    // Storage refused (private mode, full): the draft is only kept on this page.
  }
}
