import { Fragment, type ReactNode } from "react";
import { LinkifiedText } from "./linkified-text";

/** `@` and a username (letters, digits, '_', '.', '-'), as the server parses mentions. */
const MENTION = /(^|[^\p{L}\p{N}_.-])@([\p{L}\p{N}_.-]+)/gu;

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
  if (mentioned.size === 0) return <LinkifiedText text={text} />;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = (match[2] ?? "").replace(/[.-]+$/u, "");
    const lower = name.toLocaleLowerCase();
    if (!mentioned.has(lower)) continue;
    const start = (match.index ?? 0) + (match[1]?.length ?? 0);
    if (start > at) parts.push(<LinkifiedText key={`t${at}`} text={text.slice(at, start)} />);
    const mine = lower === me || lower === "room";
    parts.push(
      <mark key={`m${start}`} className="pl-mention" data-me={mine || undefined}>
        @{name}
      </mark>,
    );
    at = start + name.length + 1;
  }
  if (at < text.length) parts.push(<LinkifiedText key={`t${at}`} text={text.slice(at)} />);
  return <Fragment>{parts}</Fragment>;
}
