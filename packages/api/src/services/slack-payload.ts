import { z } from "zod";

/**
 * The message payload Slack's incoming webhooks take (https://api.slack.com/messaging/webhooks),
 * as the tools that post to them send it, turned into one Markdown text for a Parley message.
 *
 * Read leniently, as Slack and Mattermost read it: unknown keys (`channel`, `icon_emoji`,
 * `link_names`, `mrkdwn_in`, `color`, `ts`, `actions`…) are ignored, and so are blocks and
 * attachment parts that carry no text (images, dividers, buttons). Only a shape that cannot be a
 * payload (not an object, `text` not a string, `attachments` or `blocks` not lists of objects) is
 * refused.
 *
 * What the message says, in order:
 * - the blocks (Block Kit: `header`, `section` text and fields, `context` elements, `rich_text`
 *   sections and lists, `image` alt text) when there are any with text, else `text`. Slack itself
 *   shows the blocks and keeps `text` for notifications only; the slackapi/slack-github-action
 *   examples send both, saying the same thing;
 * - each legacy attachment (`pretext`, `author_name`, `title` linked to `title_link`, `text`,
 *   `fields` as "**title**: value" lines, `footer`), or its `fallback` when it has none of these,
 *   as Mattermost shows them.
 *
 * Slack's `mrkdwn` becomes Markdown: `<url|label>` a link, `<url>` the URL, `*bold*` `**bold**`,
 * `~struck~` `~~struck~~`, `<!here>`/`<!channel>`/`<!everyone>` `@room`, `<@U…|name>` and
 * `<!subteam^…|name>` `@name`, and the escapes `&amp;`,
 * `&lt;`, `&gt;` their characters.
 */

const Text = z.string();
/** A Block Kit text object (`plain_text` or `mrkdwn`). */
const TextObject = z.looseObject({ type: z.string().optional(), text: Text.optional() });

const AttachmentField = z.looseObject({
  title: z.string().nullish(),
  value: z.union([z.string(), z.number(), z.boolean()]).nullish(),
});

const Attachment = z.looseObject({
  fallback: z.string().nullish(),
  pretext: z.string().nullish(),
  author_name: z.string().nullish(),
  title: z.string().nullish(),
  title_link: z.string().nullish(),
  text: z.string().nullish(),
  fields: z.array(AttachmentField).nullish(),
  footer: z.string().nullish(),
});

/** A block: its own parts are read by `blockText`, leniently (a part of another shape is skipped). */
const Block = z.looseObject({ type: z.string() });

export const SlackPayload = z.looseObject({
  text: z.string().nullish(),
  username: z.string().nullish(),
  icon_url: z.string().nullish(),
  icon_emoji: z.string().nullish(),
  attachments: z.array(Attachment).nullish(),
  blocks: z.array(Block).nullish(),
});
export type SlackPayload = z.infer<typeof SlackPayload>;

/**
 * A Markdown link, `[label](url)`, that stays one link whatever the label holds: its `\`, `[` and
 * `]` are escaped (an alert titled "[FIRING:1] Disk", or a lone "]", would end the label early or
 * leave the brackets unmatched), and so are the URL's parentheses, percent-encoded as URLs allow.
 */
export function markdownLink(label: string, url: string): string {
  return `[${label.replace(/[\\[\]]/g, "\\$&")}](${url.replace(/\(/g, "%28").replace(/\)/g, "%29")})`;
}

/** Slack's `mrkdwn` (https://api.slack.com/reference/surfaces/formatting) as Markdown. */
export function markdownOfMrkdwn(text: string): string {
  return text
    .replace(/<!(here|channel|everyone)(\|[^>]*)?>/g, "@room")
    .replace(/<!subteam\^[^|>]*\|@?([^>]*)>/g, "@$1")
    .replace(/<!subteam\^([^|>]*)>/g, "@$1")
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, "$1")
    .replace(/<@([^|>]+)(\|([^>]*))?>/g, (_m, id: string, _l, label?: string) => `@${label ?? id}`)
    .replace(/<#([^|>]+)(\|([^>]*))?>/g, (_m, id: string, _l, label?: string) => `#${label ?? id}`)
    .replace(/<((?:https?|mailto):[^|>\s]+)\|([^>]+)>/g, (_m, url: string, label: string) => markdownLink(label, url))
    .replace(/<((?:https?|mailto):[^|>\s]+)>/g, "$1")
    .replace(/(^|[\s([>])\*([^*\n]+)\*(?=$|[\s)\].,;:!?])/gm, "$1**$2**")
    .replace(/(^|[\s([>])~([^~\n]+)~(?=$|[\s)\].,;:!?])/gm, "$1~~$2~~")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

const textOf = (part: unknown): string => {
  const parsed = TextObject.safeParse(part);
  if (!parsed.success || !parsed.data.text) return "";
  return parsed.data.type === "plain_text" ? parsed.data.text : markdownOfMrkdwn(parsed.data.text);
};

const objects = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null) : [];

/** A `rich_text` element's inline parts (text, links, mentions, emoji) as Markdown. */
function richInline(elements: unknown): string {
  return objects(elements)
    .map((e) => {
      const text = typeof e.text === "string" ? e.text : "";
      const style = (typeof e.style === "object" && e.style !== null ? e.style : {}) as Record<string, unknown>;
      switch (e.type) {
        case "text": {
          if (style.code) return `\`${text}\``;
          let out = text;
          if (style.bold && out.trim()) out = `**${out}**`;
          if (style.italic && out.trim()) out = `_${out}_`;
          if (style.strike && out.trim()) out = `~~${out}~~`;
          return out;
        }
        case "link":
          return typeof e.url === "string" ? (text ? markdownLink(text, e.url) : e.url) : text;
        case "user":
          return typeof e.user_id === "string" ? `@${e.user_id}` : "";
        case "broadcast":
          return "@room";
        case "emoji":
          return typeof e.name === "string" ? `:${e.name}:` : "";
        default:
          return text;
      }
    })
    .join("");
}

/** A `rich_text` block: sections as paragraphs, lists as Markdown lists, quotes and preformatted text. */
function richText(elements: unknown): string {
  return objects(elements)
    .map((e) => {
      switch (e.type) {
        case "rich_text_section":
          return richInline(e.elements);
        case "rich_text_list": {
          const ordered = e.style === "ordered";
          return objects(e.elements)
            .map((item, i) => `${ordered ? `${i + 1}.` : "-"} ${richInline(item.elements)}`)
            .join("\n");
        }
        case "rich_text_quote":
          return richInline(e.elements)
            .split("\n")
            .map((line) => `> ${line}`)
            .join("\n");
        case "rich_text_preformatted":
          return `\`\`\`\n${richInline(e.elements)}\n\`\`\``;
        default:
          return "";
      }
    })
    .filter((part) => part.trim() !== "")
    .join("\n\n");
}

/** One block as Markdown ('' for a block without text: divider, actions, an unknown kind). */
function blockText(block: Record<string, unknown>): string {
  switch (block.type) {
    case "header": {
      const text = textOf(block.text);
      return text ? `### ${text}` : "";
    }
    case "section": {
      const lines = [textOf(block.text), ...objects(block.fields).map(textOf)].filter((t) => t !== "");
      return lines.join("\n");
    }
    case "context":
      return objects(block.elements)
        .map((e) => (e.type === "image" ? "" : textOf(e)))
        .filter((t) => t !== "")
        .join(" · ");
    case "rich_text":
      return richText(block.elements);
    case "image": {
      const title = textOf(block.title);
      const alt = typeof block.alt_text === "string" ? block.alt_text : "";
      const url = typeof block.image_url === "string" ? block.image_url : "";
      const label = title || alt;
      return url && /^https?:/.test(url) ? markdownLink(label || url, url) : label;
    }
    default:
      return "";
  }
}

/** A legacy attachment as Markdown: its parts, or its `fallback` when it has none. */
function attachmentText(a: z.infer<typeof Attachment>): string {
  const parts: string[] = [];
  if (a.pretext) parts.push(markdownOfMrkdwn(a.pretext));
  if (a.author_name) parts.push(`_${a.author_name}_`);
  if (a.title) {
    const title = markdownOfMrkdwn(a.title);
    parts.push(
      a.title_link && /^https?:/.test(a.title_link) ? `**${markdownLink(title, a.title_link)}**` : `**${title}**`,
    );
  }
  if (a.text) parts.push(markdownOfMrkdwn(a.text));
  const fields = (a.fields ?? [])
    .map((f) => {
      const value = f.value === null || f.value === undefined ? "" : markdownOfMrkdwn(String(f.value));
      return f.title ? `**${markdownOfMrkdwn(f.title)}**: ${value}` : value;
    })
    .filter((line) => line.trim() !== "");
  if (fields.length > 0) parts.push(fields.join("\n"));
  if (a.footer) parts.push(`_${markdownOfMrkdwn(a.footer)}_`);
  if (parts.every((p) => p.trim() === "") && a.fallback) return markdownOfMrkdwn(a.fallback);
  return parts.filter((p) => p.trim() !== "").join("\n");
}

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s/;

/**
 * Ends each list where its items end: a line after a list item that is no item itself (Grafana's
 * "Labels:\n - a = b\nAnnotations:") would otherwise be read by Markdown as more of the last item.
 * Code blocks are left as they are.
 */
function endLists(text: string): string {
  const out: string[] = [];
  let inCode = false;
  let previous = "";
  for (const line of text.split("\n")) {
    if (line.trimStart().startsWith("```")) inCode = !inCode;
    else if (!inCode && line.trim() !== "" && LIST_ITEM.test(previous) && !LIST_ITEM.test(line) && !/^\s/.test(line)) {
      out.push("");
    }
    out.push(line);
    previous = line;
  }
  return out.join("\n");
}

/** The Markdown text a payload posts ('' when it has nothing to say: Slack's `no_text`). */
export function slackMessageText(payload: SlackPayload): string {
  const blocks = (payload.blocks ?? [])
    .map(blockText)
    .filter((t) => t.trim() !== "")
    .join("\n\n");
  const main = blocks || markdownOfMrkdwn(payload.text ?? "");
  const attachments = (payload.attachments ?? []).map(attachmentText).filter((t) => t.trim() !== "");
  return endLists(
    [main, ...attachments]
      .filter((t) => t.trim() !== "")
      .join("\n\n")
      .trim(),
  );
}
