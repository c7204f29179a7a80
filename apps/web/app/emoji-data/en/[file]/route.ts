import data from "../data.json";
import messages from "../messages.json";

/**
 * emojibase's English data (emojibase-data 16.0.3, MIT, copied beside this file), served from this
 * origin for the reaction picker (frimousse asks for `/emoji-data/en/data.json` and `messages.json`):
 * the Content Security Policy lets the page talk only to its own origin, not to a CDN.
 */
const files: Record<string, string> = {
  "data.json": JSON.stringify(data),
  "messages.json": JSON.stringify(messages),
};

export const dynamic = "force-static";

export function generateStaticParams() {
  return Object.keys(files).map((file) => ({ file }));
}

function respond(file: string, body: boolean): Response {
  const text = files[file];
  if (text === undefined) return new Response("Not found", { status: 404 });
  return new Response(body ? text : null, {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "public, max-age=86400",
      etag: '"emojibase-data-16.0.3"',
    },
  });
}

export async function GET(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  return respond((await params).file, true);
}

export async function HEAD(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  return respond((await params).file, false);
}
