import { linksIn, mentionsIn } from "@parley/ui";

/**
 * A remark plugin (unified's "attacher") for message text: in the prose of a parsed message (its
 * mdast text nodes, never code, nor the text of a link), it marks the mentions the server stored
 * (`mentionsIn`: a `<mark class="pl-mention">`, `data-me` for me or `@room`), turns the web and
 * e-mail addresses that GFM's autolinks left as text into links (`linksIn`: the same addresses
 * LinkifiedText finds), and makes each line break typed a `<br>`, as a chat reads. Raw HTML typed
 * in a message (mdast `html` nodes) becomes text: it is shown as typed, never interpreted.
 */

/** The few mdast shapes this plugin reads and writes (https://github.com/syntax-tree/mdast). */
interface MdNode {
  type: string;
  value?: string;
  url?: string;
  children?: MdNode[];
  data?: { hName?: string; hProperties?: Record<string, unknown> };
}

export interface MentionOptions {
  /** Usernames (lower case) the server stored as mentioned in this message; `room` for `@room`. */
  mentioned: ReadonlySet<string>;
  /** My username (lower case). */
  me?: string;
}

/** Inside these, text stays as it is: a link's words are not linked again. */
const KEEP_AS_TEXT = new Set(["link", "linkReference"]);
/** Nodes that hold blocks: HTML typed as a block there is shown as a paragraph of text. */
const BLOCK_PARENTS = new Set(["root", "blockquote", "listItem", "footnoteDefinition"]);

export function remarkMentions(options: MentionOptions) {
  return (tree: MdNode) => {
    visit(tree, options);
  };
}

function visit(node: MdNode, options: MentionOptions): void {
  if (!node.children) return;
  if (KEEP_AS_TEXT.has(node.type)) {
    node.children = node.children.map((child) =>
      child.type === "html" ? { type: "text", value: child.value } : child,
    );
    return;
  }
  node.children = node.children.flatMap((child) => {
    if (child.type === "text") return textParts(child.value ?? "", options);
    if (child.type === "html") {
      const parts = textParts(child.value ?? "", options);
      return BLOCK_PARENTS.has(node.type) ? [{ type: "paragraph", children: parts }] : parts;
    }
    visit(child, options);
    return [child];
  });
}

/** One text node's value as text, mention, link and break nodes. */
function textParts(text: string, { mentioned, me }: MentionOptions): MdNode[] {
  const parts: MdNode[] = [];
  let at = 0;
  for (const mention of mentionsIn(text, mentioned, me)) {
    parts.push(...linkParts(text.slice(at, mention.start)));
    parts.push({
      type: "mention",
      data: { hName: "mark", hProperties: { className: ["pl-mention"], dataMe: mention.mine || undefined } },
      children: [{ type: "text", value: `@${mention.name}` }],
    });
    at = mention.end;
  }
  parts.push(...linkParts(text.slice(at)));
  return parts;
}

function linkParts(text: string): MdNode[] {
  const parts: MdNode[] = [];
  let at = 0;
  for (const link of linksIn(text)) {
    parts.push(...lineParts(text.slice(at, link.start)));
    parts.push({ type: "link", url: link.href, children: [{ type: "text", value: link.value }] });
    at = link.end;
  }
  parts.push(...lineParts(text.slice(at)));
  return parts;
}

function lineParts(text: string): MdNode[] {
  if (text === "") return [];
  return text.split("\n").flatMap((line, index) => {
    const parts: MdNode[] = index > 0 ? [{ type: "break" }] : [];
    if (line !== "") parts.push({ type: "text", value: line });
    return parts;
  });
}
