import { find } from "linkifyjs";
import type { ReactNode } from "react";

/** Only these become links: a message must never be able to plant a `javascript:` URL. */
const SAFE_SCHEMES = /^(https?:|mailto:)/i;

/** A web or e-mail address found in text: `[start, end)` are UTF-16 offsets, `href` a safe URL. */
export interface FoundLink {
  start: number;
  end: number;
  href: string;
  value: string;
}

/** The web and e-mail addresses in `text` that may become links (http, https, mailto only). */
export function linksIn(text: string): FoundLink[] {
  return find(text)
    .filter((link) => SAFE_SCHEMES.test(link.href))
    .map((link) => ({ start: link.start, end: link.end, href: link.href, value: link.value }));
}

/** How every link in a message opens: in a new tab, telling the site nothing of where it came from. */
export const LINK_ATTRIBUTES = { target: "_blank", rel: "noopener noreferrer nofollow" } as const;

/**
 * Plain text with its web and e-mail addresses made into links. Every piece is a React text node or
 * an `<a>`, so nothing in the text is ever interpreted as HTML.
 */
export function LinkifiedText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const link of linksIn(text)) {
    if (link.start > at) parts.push(text.slice(at, link.start));
    parts.push(
      <a key={link.start} href={link.href} {...LINK_ATTRIBUTES}>
        {link.value}
      </a>,
    );
    at = link.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
