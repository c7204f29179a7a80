import { find } from "linkifyjs";
import type { ReactNode } from "react";

/** Only these become links: a message must never be able to plant a `javascript:` URL. */
const SAFE_SCHEMES = /^(https?:|mailto:)/i;

/**
 * Plain text with its web and e-mail addresses made into links. Every piece is a React text node or
 * an `<a>`, so nothing in the text is ever interpreted as HTML.
 */
export function LinkifiedText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const link of find(text)) {
    if (!SAFE_SCHEMES.test(link.href)) continue;
    if (link.start > at) parts.push(text.slice(at, link.start));
    parts.push(
      <a key={link.start} href={link.href} target="_blank" rel="noopener noreferrer nofollow">
        {link.value}
      </a>,
    );
    at = link.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
