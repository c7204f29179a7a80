"use client";

import { LINK_ATTRIBUTES } from "@parley/ui";
import { memo, type ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { remarkMentions } from "./remark-mentions";

/** Links and images may only point at these: never `javascript:`, `data:` or a page of this app. */
const SAFE_URL = /^(https?:|mailto:)/i;

const safeUrl = (url: string) => (SAFE_URL.test(url.trim()) ? url : "");

/**
 * How message Markdown is drawn: links open safely in a new tab (or are plain words when their URL
 * was refused), images are never loaded (their address is shown as a link: a message must not
 * fetch from another site when read), headings read as bold lines (a message is not a section).
 */
const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} {...LINK_ATTRIBUTES}>
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <a href={src} {...LINK_ATTRIBUTES}>
        {alt || src}
      </a>
    ) : (
      <span>{alt}</span>
    ),
  h1: Heading,
  h2: Heading,
  h3: Heading,
  h4: Heading,
  h5: Heading,
  h6: Heading,
};

function Heading({ children }: { children?: ReactNode }) {
  return (
    <p>
      <strong>{children}</strong>
    </p>
  );
}

export interface MessageTextProps {
  /** The message's text, as typed (Markdown). */
  text: string;
  /** Usernames (lower case) the server stored as mentioned; `room` for `@room`. */
  mentioned: ReadonlySet<string>;
  /** My username (lower case). */
  me?: string;
}

/**
 * A message's text as safe Markdown (GFM: bold, italics, strikethrough, code, code blocks, quotes,
 * lists, tables, links) with its mentions marked and its addresses linked (remarkMentions). Raw
 * HTML is never rendered: remarkMentions turns it into text (a `<script>` or `<img onerror>` typed
 * in a message is shown as typed), `skipHtml` would drop any left, and the rest is React elements.
 */
export const MessageText = memo(function MessageText({ text, mentioned, me }: MessageTextProps) {
  return (
    <div className="pl-markdown">
      <Markdown
        remarkPlugins={[remarkGfm, [remarkMentions, { mentioned, me }]]}
        components={components}
        skipHtml
        urlTransform={safeUrl}
      >
        {text}
      </Markdown>
    </div>
  );
}, sameText);

function sameText(a: MessageTextProps, b: MessageTextProps): boolean {
  return (
    a.text === b.text &&
    a.me === b.me &&
    a.mentioned.size === b.mentioned.size &&
    [...a.mentioned].every((name) => b.mentioned.has(name))
  );
}
