import { Fragment, type ReactNode } from "react";
import { LinkifiedText } from "./linkified-text";

/** `@` and a username (letters, digits, '_', '.', '-'), as the server parses mentions. */
const MENTION = /(^|[^\p{L}\p{N}_.-])@([\p{L}\p{N}_.-]+)/gu;

/** A mention found in text: `[start, end)` covers `@name` (UTF-16 offsets). */
export interface FoundMention {
  start: number;
  end: number;
  /** As written, without the `@`. */
  name: string;
  /** It names me, or `@room`: marked more strongly. */
  mine: boolean;
}

/**
 * The mentions in `text` that the server stored: `mentioned` holds their usernames (lower case),
 * `room` for `@room`; `me` is my own username (lower case). An `@word` that named nobody is left out.
 */
export function mentionsIn(text: string, mentioned: ReadonlySet<string>, me?: string): FoundMention[] {
  if (mentioned.size === 0) return [];
  const found: FoundMention[] = [];
  for (const match of text.matchAll(MENTION)) {
    const name = (match[2] ?? "").replace(/[.-]+$/u, "");
    const lower = name.toLocaleLowerCase();
    if (!mentioned.has(lower)) continue;
    const start = (match.index ?? 0) + (match[1]?.length ?? 0);
    found.push({ start, end: start + name.length + 1, name, mine: lower === me || lower === "room" });
  }
  return found;
}

export interface MentionTextProps {
  text: string;
  /** Usernames (lower case) the server found mentioned in this text; `room` when it mentions `@room`. */
  mentioned: ReadonlySet<string>;
  /** My own username (lower case): a mention of me is marked more strongly. */
  me?: string;
}

/**
 * Message text with its links (LinkifiedText) and its mentions marked: only the names the server
 * stored as mentions are marked, so an `@word` that named nobody stays plain text.
 */
export function MentionText({ text, mentioned, me }: MentionTextProps) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const mention of mentionsIn(text, mentioned, me)) {
    if (mention.start > at) parts.push(<LinkifiedText key={`t${at}`} text={text.slice(at, mention.start)} />);
    parts.push(
      <mark key={`m${mention.start}`} className="pl-mention" data-me={mention.mine || undefined}>
        @{mention.name}
      </mark>,
    );
    at = mention.end;
  }
  if (at < text.length) parts.push(<LinkifiedText key={`t${at}`} text={text.slice(at)} />);
  return <Fragment>{parts}</Fragment>;
}
