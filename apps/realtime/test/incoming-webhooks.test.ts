import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { MessageOut } from "@parley/api/schemas";
import { createTestDatabase, eventually, type TestDatabase, testRedisUrl } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inbox, type ParleyClient, wsClient } from "./clients";
import { type RunningServer, signUpOn, startRealtime } from "./processes";

/** A documented payload of a tool that posts to Slack, as it sends it (fixtures/slack/). */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/slack/${name}.json`, import.meta.url), "utf8");

/** At most this many posts per hook per hour here (LIMIT_MESSAGES_PER_HOOK). */
const HOOK_RATE = 6;

/**
 * Slack-compatible incoming webhooks on two real realtime processes sharing PostgreSQL and Redis:
 * hooks are made on A and posted to on A or B (`POST /hooks/<id>/<secret>`, served by both), and
 * what lands is read back through history, a live subscriber on the other instance, and search.
 */
describe("incoming webhooks on realtime instances A and B", () => {
  let database: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "an incoming-webhooks test secret, 32 bytes or more",
      LIMIT_MESSAGES_PER_HOOK: `${HOOK_RATE}/1h`,
    };
    [a, b] = await Promise.all([startRealtime(env), startRealtime(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.dispose();
  });

  /** An owner with a new room on A. */
  async function ownerWithRoom(isPrivate = false) {
    const owner = await signUpOn(a);
    const room = await owner.http.rooms.create.mutate({ name: `r-${randomBytes(4).toString("hex")}`, isPrivate });
    return { owner, room };
  }

  const post = (server: RunningServer, path: string, body: string, contentType = "application/json") =>
    fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });

  /** A response's status, body and Retry-After, for one `expect`. */
  const answerOf = async (res: Response) => ({
    status: res.status,
    body: await res.text(),
    type: res.headers.get("content-type"),
  });

  const newest = async (client: ParleyClient, roomId: number) =>
    (await client.history.list.query({ roomId, limit: 1 })).items[0];

  /** Follows a room's new messages over a WebSocket to `server`, from its current end. */
  async function follow(server: RunningServer, token: string, client: ParleyClient, roomId: number) {
    const { lastSeq } = await client.history.list.query({ roomId, limit: 1 });
    const { client: live, ws } = wsClient(server.url, token);
    const inbox = new Inbox<MessageOut>();
    const subscription = live.events.room.subscribe(
      { roomId, lastEventId: String(lastSeq) },
      {
        onData: ({ data }) => {
          if (data.type === "message") inbox.push(data.message);
        },
        onError: inbox.fail,
      },
    );
    return {
      inbox,
      stop: () => {
        subscription.unsubscribe();
        ws.close();
      },
    };
  }

  it("lands Grafana's, Alertmanager's and GitHub Actions' payloads, unchanged, as readable messages by the hook's bot", async () => {
    const { owner, room } = await ownerWithRoom();
    const member = await signUpOn(b);
    await member.http.rooms.join.mutate({ roomId: room.id });
    const live = await follow(b, member.token, member.http, room.id);

    const cases = [
      {
        name: "grafana",
        has: [
          // The title's brackets escaped: one link labelled "[FIRING:1] HighCPU …" (issue 18's breaker).
          "**[\\[FIRING:1\\] HighCPU (node-1 production)](http://grafana.example.com/alerting/list)**",
          "@room @oncall @U024BE7LH",
          " - env = production\n\nAnnotations:\n - summary = CPU above 90% for 5 minutes\n\nSource: ",
          "_Grafana v10.4.1_",
        ],
        override: { username: "Grafana", iconUrl: "https://grafana.com/static/assets/img/fav32.png" },
      },
      {
        name: "alertmanager",
        has: [
          "**[\\[FIRING:2\\] InstanceDown (node-exporter critical)](http://alertmanager.example.com/#/alerts?receiver=slack-critical)**",
          "**Alert:** Instance node-2:9100 down - `critical`",
          "[:chart_with_upwards_trend: **Graph**](http://prometheus.example.com/graph?g0.expr=up+%3D%3D+0&g0.tab=1)",
          "**Severity**: critical\n**Cluster**: eu-west-1\n**Runbook**: [instance-down](https://runbooks.example.com/instance-down)",
          "_Prometheus Alertmanager_",
        ],
        override: { username: "Alertmanager" },
      },
      {
        name: "github-actions",
        // The blocks say what `text` says: once.
        equals:
          "GitHub Action build result: success\nhttps://github.com/octo-org/octo-repo/commit/8f2c1d9e4b7a6c5d3e2f1a0b9c8d7e6f5a4b3c2d",
        override: null,
      },
      {
        name: "github-actions-rich",
        equals: [
          "### Deploy finished",
          "**octo-repo** was deployed to **production** by [mona](https://github.com/mona).\n**Status:**\nsuccess\n**Commit:**\n[8f2c1d9](https://github.com/octo-org/octo-repo/commit/8f2c1d9)",
          "Workflow [deploy #42](https://github.com/octo-org/octo-repo/actions/runs/42)",
        ].join("\n\n"),
        override: null,
      },
    ];
    for (const c of cases) {
      const hook = await owner.http.webhooks.create.mutate({ roomId: room.id, name: `${c.name} alerts` });
      expect(hook.path).toMatch(new RegExp(`^/hooks/${hook.id}/[A-Za-z0-9_-]{43}$`));
      // Posted to the other instance than the one the hook was made on.
      expect(await answerOf(await post(b, hook.path, fixture(c.name)))).toEqual({
        status: 200,
        body: "ok",
        type: "text/plain; charset=utf-8",
      });
      const stored = await newest(member.http, room.id);
      expect(stored?.author).toMatchObject({ id: hook.bot.id, username: hook.bot.username });
      expect(stored?.senderOverride).toEqual(c.override);
      if (c.equals !== undefined) expect(stored?.body).toBe(c.equals);
      for (const part of c.has ?? []) expect(stored?.body).toContain(part);
      const heard = await live.inbox.take((m) => m.id === stored?.id, `${c.name}'s message, live`);
      expect(heard).toEqual({ ...stored, reactions: [] });
    }
    live.stop();

    // Search finds a hook's message, override and all.
    const found = await member.http.search.messages.query({ query: "InstanceDown", roomId: room.id });
    expect(found.items.map((hit) => hit.message.senderOverride)).toEqual([{ username: "Alertmanager" }]);
  });

  it("notifies the members its <!here>, <!channel>, <!everyone> and <@name> mention, as @room and @name", async () => {
    const { owner, room } = await ownerWithRoom();
    const member = await signUpOn(b);
    await member.http.rooms.join.mutate({ roomId: room.id });
    const countsOf = async () => (await member.http.rooms.mine.query()).find((r) => r.id === room.id);
    expect(await countsOf()).toMatchObject({ mentions: 0 });
    const hook = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "alerts" });
    const texts = [
      "<!here> disk full",
      "<!channel|channel> again",
      "<!everyone> and again",
      `<@${member.user.username}> look`,
    ];
    for (const [i, text] of texts.entries()) {
      expect((await post(b, hook.path, JSON.stringify({ text }))).status).toBe(200);
      const stored = await newest(member.http, room.id);
      const byName = i === 3;
      expect(stored?.body).toBe(byName ? `@${member.user.username} look` : text.replace(/^<[^>]+>/, "@room"));
      expect(stored?.mentions).toEqual(
        byName ? { userIds: [member.user.id], room: false } : { userIds: [], room: true },
      );
      expect(await countsOf()).toMatchObject({ mentions: i + 1 });
    }
    // Anyone else's @room, a plain member's, stays plain text and notifies nobody.
    await member.http.messages.send.mutate({ roomId: room.id, text: "@room hello" });
    expect((await newest(member.http, room.id))?.mentions).toEqual({ userIds: [], room: false });
  });

  it("takes Slack's form-encoded payload= body", async () => {
    const { owner, room } = await ownerWithRoom();
    const hook = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "form" });
    const body = new URLSearchParams({ payload: JSON.stringify({ text: "from a *form* <https://x.example|link>" }) });
    const res = await post(a, hook.path, body.toString(), "application/x-www-form-urlencoded");
    expect(await answerOf(res)).toMatchObject({ status: 200, body: "ok" });
    expect((await newest(owner.http, room.id))?.body).toBe("from a **form** [link](https://x.example)");
  });

  it("answers every refusal as Slack does, in plain text, and stores nothing", async () => {
    const { owner, room } = await ownerWithRoom();
    const hook = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "errors" });
    const { lastSeq } = await owner.http.history.list.query({ roomId: room.id, limit: 1 });
    const [, , id, secret] = hook.path.split("/");
    const refusals: [string, string, string | undefined, { status: number; body: string }][] = [
      ["bad JSON", hook.path, "{not json", { status: 400, body: "invalid_payload" }],
      ["not an object", hook.path, "[1, 2]", { status: 400, body: "invalid_payload" }],
      ["text not a string", hook.path, '{"text": 42}', { status: 400, body: "invalid_payload" }],
      ["a form without payload=", hook.path, "text=hello", { status: 400, body: "invalid_payload" }],
      ["nothing to say", hook.path, '{"text": "  ", "attachments": []}', { status: 400, body: "no_text" }],
      ["an unknown hook", `/hooks/${randomUUID()}/${secret}`, '{"text":"x"}', { status: 404, body: "no_service" }],
      ["not a hook's id", `/hooks/nothing/${secret}`, '{"text":"x"}', { status: 404, body: "no_service" }],
      ["no secret", `/hooks/${id}`, '{"text":"x"}', { status: 404, body: "no_service" }],
      ["a wrong secret", `/hooks/${id}/${"A".repeat(43)}`, '{"text":"x"}', { status: 403, body: "invalid_token" }],
      [
        "a body over 64 KiB",
        hook.path,
        JSON.stringify({ text: "x".repeat(70_000) }),
        { status: 413, body: "request_too_large: the body is too large: at most 65536 bytes are accepted" },
      ],
    ];
    for (const [what, path, body, expected] of refusals) {
      const contentType = what.includes("form") ? "application/x-www-form-urlencoded" : "application/json";
      const res = await post(a, path, body ?? "", contentType);
      expect({ what, ...(await answerOf(res)) }).toEqual({ what, ...expected, type: "text/plain; charset=utf-8" });
    }
    const get = await fetch(`${a.url}${hook.path}`);
    expect(get.status).toBe(405);
    expect((await owner.http.history.list.query({ roomId: room.id, limit: 1 })).lastSeq).toBe(lastSeq);
    // The request log names the hook, never its secret.
    await eventually(() => expect(a.output()).toContain(`"path":"/hooks/${id}/…"`));
    expect(a.output()).not.toContain(secret);
  });

  it("kills the old URL at once when the secret is rotated", async () => {
    const { owner, room } = await ownerWithRoom();
    const hook = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "rotated" });
    expect((await post(a, hook.path, '{"text":"before"}')).status).toBe(200);
    const rotated = await owner.http.webhooks.rotate.mutate({ hookId: hook.id });
    expect(rotated.id).toBe(hook.id);
    expect(rotated.path).not.toBe(hook.path);
    for (const server of [a, b]) {
      expect(await answerOf(await post(server, hook.path, '{"text":"old"}'))).toMatchObject({
        status: 403,
        body: "invalid_token",
      });
    }
    expect((await post(b, rotated.path, '{"text":"after"}')).status).toBe(200);
    const bodies = (await owner.http.history.list.query({ roomId: room.id })).items.map((m) => m.body);
    expect(bodies.slice(0, 2)).toEqual(["after", "before"]);
    expect(bodies).not.toContain("old");
  });

  it("limits each hook's rate, across instances, with Retry-After, and not another hook's", async () => {
    const { owner, room } = await ownerWithRoom();
    const busy = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "busy" });
    const quiet = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "quiet" });
    for (let i = 0; i < HOOK_RATE; i++) {
      expect((await post(i % 2 ? a : b, busy.path, JSON.stringify({ text: `n${i}` }))).status).toBe(200);
    }
    const { lastSeq } = await owner.http.history.list.query({ roomId: room.id, limit: 1 });
    const limited = await post(a, busy.path, '{"text":"one too many"}');
    expect(await answerOf(limited)).toMatchObject({ status: 429, body: "rate_limited" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await owner.http.history.list.query({ roomId: room.id, limit: 1 })).lastSeq).toBe(lastSeq);
    expect((await post(b, quiet.path, '{"text":"still here"}')).status).toBe(200);
  });

  it("honours username and icon_url only where the hook allows overrides, and refuses an icon that is not http(s)", async () => {
    const { owner, room } = await ownerWithRoom();
    const open = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "open" });
    const closed = await owner.http.webhooks.create.mutate({
      roomId: room.id,
      name: "closed",
      allowOverrides: false,
    });
    const payload = { text: "who am I", username: "Deploy Bot", icon_url: "https://example.com/bot.png" };
    expect((await post(a, open.path, JSON.stringify(payload))).status).toBe(200);
    expect((await newest(owner.http, room.id))?.senderOverride).toEqual({
      username: "Deploy Bot",
      iconUrl: "https://example.com/bot.png",
    });
    expect((await post(a, closed.path, JSON.stringify(payload))).status).toBe(200);
    const plain = await newest(owner.http, room.id);
    expect(plain?.senderOverride).toBeNull();
    expect(plain?.author?.username).toBe(closed.bot.username);
    const script = await post(a, open.path, JSON.stringify({ ...payload, icon_url: "javascript:alert(1)" }));
    expect(await answerOf(script)).toMatchObject({ status: 400, body: "invalid_payload" });
    expect((await newest(owner.http, room.id))?.id).toBe(plain?.id);
  });

  it("lets only the room's owner manage its hooks, and a deleted hook's URL answers no_service", async () => {
    const { owner, room } = await ownerWithRoom();
    const hook = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "managed" });
    const other = await signUpOn(a);
    await expect(other.http.webhooks.list.query({ roomId: room.id })).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
    });
    await other.http.rooms.join.mutate({ roomId: room.id });
    for (const call of [
      () => other.http.webhooks.create.mutate({ roomId: room.id, name: "mine now" }),
      () => other.http.webhooks.rotate.mutate({ hookId: hook.id }),
      () => other.http.webhooks.delete.mutate({ hookId: hook.id }),
    ]) {
      await expect(call()).rejects.toMatchObject({ data: { code: "FORBIDDEN" } });
    }
    const secret = await ownerWithRoom(true);
    await expect(other.http.webhooks.list.query({ roomId: secret.room.id })).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
    await expect(other.http.webhooks.create.mutate({ roomId: room.id, name: " " })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
    });

    const listed = await owner.http.webhooks.list.query({ roomId: room.id });
    expect(listed).toEqual([
      {
        id: hook.id,
        roomId: room.id,
        name: "managed",
        allowOverrides: true,
        bot: hook.bot,
        createdAt: hook.createdAt,
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(hook.path.split("/")[3]);
    const members = await owner.http.rooms.members.query({ roomId: room.id });
    expect(JSON.stringify(members)).toContain(hook.bot.username);

    await owner.http.webhooks.delete.mutate({ hookId: hook.id });
    expect(await answerOf(await post(b, hook.path, '{"text":"gone"}'))).toMatchObject({
      status: 404,
      body: "no_service",
    });
    expect(await owner.http.webhooks.list.query({ roomId: room.id })).toEqual([]);
    expect(JSON.stringify(await owner.http.rooms.members.query({ roomId: room.id }))).not.toContain(hook.bot.username);
  });
});
