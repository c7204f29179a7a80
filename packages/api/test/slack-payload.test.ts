import { describe, expect, it } from "vitest";
import { markdownOfMrkdwn, SlackPayload, slackMessageText } from "../src/services/slack-payload";

const textOf = (payload: unknown) => slackMessageText(SlackPayload.parse(payload));

describe("Slack payloads as Markdown", () => {
  it("turns Slack's mrkdwn into Markdown", () => {
    expect(markdownOfMrkdwn("*bold* _it_ ~gone~ <https://a.example/x?y=1|a link> <https://b.example>")).toBe(
      "**bold** _it_ ~~gone~~ [a link](https://a.example/x?y=1) https://b.example",
    );
    expect(markdownOfMrkdwn("<!here> <!channel|channel> <@U1|ann> <@U2> <#C1|ops> 1 &lt; 2 &amp;&amp; 3 &gt; 2")).toBe(
      "@room @room @ann @U2 #ops 1 < 2 && 3 > 2",
    );
    // Markdown's own bold and a lone star are left alone.
    expect(markdownOfMrkdwn("**Firing** 2 * 3 = 6")).toBe("**Firing** 2 * 3 = 6");
  });

  it("keeps a label with brackets one link: Grafana's and Alertmanager's [FIRING:n] titles, a lone bracket", () => {
    expect(markdownOfMrkdwn("<https://x.example|[FIRING:1] Disk>")).toBe("[\\[FIRING:1\\] Disk](https://x.example)");
    expect(markdownOfMrkdwn("<https://x.example|[FIRING:1 Disk>")).toBe("[\\[FIRING:1 Disk](https://x.example)");
    expect(markdownOfMrkdwn("<https://x.example|Disk] C:\\tmp>")).toBe("[Disk\\] C:\\\\tmp](https://x.example)");
    expect(markdownOfMrkdwn("<https://x.example/a_(b|wiki>")).toBe("[wiki](https://x.example/a_%28b)");
    // A legacy attachment's linked title (Grafana, Alertmanager), a rich_text link and an image block.
    expect(
      textOf({ attachments: [{ title: "[FIRING:2] InstanceDown]", title_link: "http://am.example/#/alerts" }] }),
    ).toBe("**[\\[FIRING:2\\] InstanceDown\\]](http://am.example/#/alerts)**");
    expect(
      textOf({
        blocks: [
          {
            type: "rich_text",
            elements: [
              { type: "rich_text_section", elements: [{ type: "link", url: "https://r.example", text: "[ci] ok" }] },
            ],
          },
          { type: "image", image_url: "https://i.example/p.png", alt_text: "graph [5m]" },
        ],
      }),
    ).toBe("[\\[ci\\] ok](https://r.example)\n\n[graph \\[5m\\]](https://i.example/p.png)");
  });

  it("says the blocks when there are any, else the text, then each attachment", () => {
    expect(textOf({ text: "fallback", blocks: [{ type: "section", text: { type: "mrkdwn", text: "shown" } }] })).toBe(
      "shown",
    );
    expect(textOf({ text: "plain", blocks: [{ type: "divider" }, { type: "actions", elements: [] }] })).toBe("plain");
    expect(
      textOf({
        text: "Deploy",
        attachments: [
          { fallback: "only the fallback" },
          { title: "T", title_link: "javascript:alert(1)", fields: [{ title: "n", value: 3 }], footer: "f" },
        ],
      }),
    ).toBe("Deploy\n\nonly the fallback\n\n**T**\n**n**: 3\n_f_");
  });

  it("reads rich_text sections, lists, quotes and code", () => {
    const rich = {
      type: "rich_text",
      elements: [
        {
          type: "rich_text_section",
          elements: [
            { type: "text", text: "Hi " },
            { type: "text", text: "there", style: { bold: true } },
            { type: "link", url: "https://x.example", text: "x" },
          ],
        },
        {
          type: "rich_text_list",
          style: "ordered",
          elements: [
            { type: "rich_text_section", elements: [{ type: "text", text: "one" }] },
            { type: "rich_text_section", elements: [{ type: "text", text: "two" }] },
          ],
        },
        { type: "rich_text_quote", elements: [{ type: "text", text: "said" }] },
        { type: "rich_text_preformatted", elements: [{ type: "text", text: "npm test" }] },
      ],
    };
    expect(textOf({ blocks: [rich] })).toBe(
      "Hi **there**[x](https://x.example)\n\n1. one\n2. two\n\n> said\n\n```\nnpm test\n```",
    );
  });

  it("ends a list before the line after it", () => {
    expect(textOf({ text: "Labels:\n - a = 1\n - b = 2\nAnnotations:\n - c = 3" })).toBe(
      "Labels:\n - a = 1\n - b = 2\n\nAnnotations:\n - c = 3",
    );
  });

  it("has nothing to say for an empty payload, and refuses what is no payload", () => {
    expect(textOf({})).toBe("");
    expect(textOf({ text: " ", attachments: [{ color: "danger" }], blocks: [{ type: "divider" }] })).toBe("");
    for (const wrong of [[], "text", { text: 1 }, { attachments: {} }, { blocks: [1] }]) {
      expect(SlackPayload.safeParse(wrong).success).toBe(false);
    }
  });
});
