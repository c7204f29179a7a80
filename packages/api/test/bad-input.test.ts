import { schema } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/root";
import { encodeCursor } from "../src/schemas";
import { type Caller, createHarness, expectTrpcError, type Harness } from "./harness";

const huge = "x".repeat(100_000);
const wrongTypes = [undefined, null, 42, "text", [], { roomId: "1" }];
/** What PostgreSQL cannot store or a client cannot show: NUL, and unpaired surrogate halves. */
const unstorable = ["a\u0000b", "broken \uD800 half", "\uDC00 stray"];
/** Beyond PostgreSQL's `integer`, the type of room and user ids. */
const tooBig = [2 ** 31, Number.MAX_SAFE_INTEGER];
const badIds = [
  { roomId: 0 },
  { roomId: -3 },
  { roomId: 1.5 },
  { roomId: "7" },
  { roomId: Number.NaN },
  ...tooBig.map((roomId) => ({ roomId })),
];
/** Message ids are bigints: any positive whole number up to 2^53 - 1. */
const badMessageIds = [
  { messageId: 0 },
  { messageId: -3 },
  { messageId: 1.5 },
  { messageId: "7" },
  { messageId: Number.NaN },
  { messageId: Number.MAX_SAFE_INTEGER + 2 },
];
/** Bots are users: their ids are `integer`s too. */
const badBotIds = badIds.map(({ roomId }) => ({ botId: roomId }));
/** Reactions are one emoji: the same refusals whether adding or removing. */
const badReactions = [
  ...wrongTypes,
  ...badMessageIds.map((ref) => ({ ...ref, emoji: "👍" })),
  { messageId: 1 },
  { messageId: 1, emoji: "" },
  { messageId: 1, emoji: 42 },
  { messageId: 1, emoji: huge },
  { messageId: 1, emoji: "ok" },
  { messageId: 1, emoji: "👍👍" },
  { messageId: 1, emoji: "a\u0000" },
];
/** A cursor no server gave out: base64url of a NUL, which PostgreSQL cannot compare with. */
const forgedCursor = Buffer.from("\u0000").toString("base64url");
/** Cursors no server gave out: text, text in base64url, another encoding, a wrong shape, a NUL key. */
const forgedCursors = [
  "",
  "hello",
  "bob",
  Buffer.from("bob").toString("base64url"),
  Buffer.from("bob").toString("base64"),
  Buffer.from('{"after":"bo"}').toString("base64"), // padded
  Buffer.from('{"after":"bob","x":1}').toString("base64url"),
  Buffer.from('{"after":7}').toString("base64url"),
  Buffer.from('["bob"]').toString("base64url"),
  Buffer.from('{"after":"\\u0000"}').toString("base64url"),
  `${Buffer.from('{"after":"bob"}').toString("base64url")}==`,
  forgedCursor,
].map((cursor) => ({ cursor }));
/** Resume points no stream sent: empty, hexadecimal, signed, spaced, exponent, fraction, past 2^53. */
const forgedEventIds = ["", "0x5", "+5", "-1", " 5", "5 ", "1e3", "5.0", "05", "Infinity", "NaN", "9007199254740993"];

/**
 * Bad input for every procedure. A procedure without an entry fails the coverage test below, so
 * that a new procedure cannot ship without its bad-input cases. `null`: it takes no input.
 */
const badInputs: Record<string, unknown[] | null> = {
  // The administration's (the caller is made an administrator below: anyone else gets NOT_FOUND first).
  "admin.users": [42, "text", { limit: 0 }, { limit: 101 }, { search: huge }, ...forgedCursors],
  "admin.rooms": [42, "text", { limit: 0 }, { search: huge }, ...unstorable.map((search) => ({ search }))],
  "admin.audit": [42, "text", { action: "DROP TABLE" }, { action: huge }, ...forgedCursors],
  "admin.setRole": [...wrongTypes, { userId: 1 }, { userId: 1, role: "root" }, { userId: 0, role: "admin" }],
  "admin.disableUser": [...wrongTypes, { userId: 0 }, { userId: "1" }, ...tooBig.map((userId) => ({ userId }))],
  "admin.enableUser": [...wrongTypes, { userId: -1 }],
  "admin.deleteUser": [...wrongTypes, { userId: 1.5 }],
  "admin.resetPassword": [
    ...wrongTypes,
    { userId: 1 },
    { userId: 1, temporaryPassword: "x" },
    { userId: 1, temporaryPassword: huge },
  ],
  "admin.userTokens": [...wrongTypes, { userId: 0 }, { userId: "1" }],
  "admin.revokeUserToken": [...wrongTypes, { userId: 1 }, { userId: 1, tokenId: 0 }, { userId: 1.5, tokenId: 1 }],
  "admin.revokeUserTokens": [...wrongTypes, { userId: -1 }, ...tooBig.map((userId) => ({ userId }))],
  "admin.deleteRoom": [...wrongTypes, ...badIds],
  "admin.transferRoom": [
    ...wrongTypes,
    ...badIds.map((ref) => ({ ...ref, user: { userId: 1 } })),
    { roomId: 1 },
    { roomId: 1, userId: 1 },
    { roomId: 1, user: { username: "" } },
  ],
  "auth.register": [
    ...wrongTypes,
    { username: "", password: "pw-pw-pw" },
    { username: "ok", password: huge },
    ...unstorable.map((password) => ({ username: "ok", password })),
    ...unstorable.map((displayName) => ({ username: "ok", password: "pw-pw-pw", displayName })),
    ...["", "a b", "semi;colon", huge, 42].map((invite) => ({ username: "ok", password: "pw-pw-pw", invite })),
  ],
  "registration.state": [null, 42, "text", [], { invite: "" }, { invite: "a b" }, { invite: huge }, { invite: 7 }],
  "registration.setPolicy": [...wrongTypes, { policy: "anyone" }, { policy: "" }, { policy: "OPEN" }],
  "registration.createInvite": [
    null,
    42,
    "text",
    [],
    { maxUses: 0 },
    { maxUses: 1001 },
    { maxUses: 1.5 },
    { maxUses: "3" },
    { expiresInHours: 0 },
    { expiresInHours: 24 * 91 },
    { expiresInHours: "24" },
  ],
  "registration.invites": null,
  "registration.revokeInvite": [...wrongTypes, { id: 0 }, { id: -1 }, { id: 1.5 }, ...tooBig.map((id) => ({ id }))],
  "auth.login": [
    ...wrongTypes,
    { login: "", password: "x" },
    { login: huge, password: "x" },
    ...unstorable.map((login) => ({ login, password: "x" })),
  ],
  "auth.changePassword": [
    ...wrongTypes,
    { currentPassword: "", newPassword: "pw-pw-pw" },
    { currentPassword: "x", newPassword: "" },
    { currentPassword: "x", newPassword: huge },
    ...unstorable.map((newPassword) => ({ currentPassword: "x", newPassword })),
  ],
  "auth.logout": null,
  "auth.me": null,
  "profile.mine": null,
  "profile.byId": [...wrongTypes, { userId: 0 }, { userId: "1" }, ...tooBig.map((userId) => ({ userId }))],
  "profile.rename": [...wrongTypes, { username: "" }, { username: "a b" }, { username: huge }],
  "profile.update": [
    ...wrongTypes,
    { displayName: "" },
    { displayName: huge },
    ...unstorable.map((displayName) => ({ displayName })),
  ],
  "users.list": [
    42,
    "text",
    { limit: 0 },
    { limit: 101 },
    { search: huge },
    { cursor: huge },
    ...forgedCursors,
    { search: "a\u0000" },
  ],
  "rooms.create": [
    ...wrongTypes,
    { name: "" },
    { name: "   " },
    { name: huge },
    { name: "ok", isPrivate: "yes" },
    ...unstorable.map((name) => ({ name })),
  ],
  "rooms.join": [...wrongTypes, ...badIds],
  "rooms.leave": [...wrongTypes, ...badIds],
  "rooms.get": [...wrongTypes, ...badIds],
  "rooms.mine": null,
  "rooms.markRead": [
    ...wrongTypes,
    ...badIds.map((id) => ({ ...id, seq: 1 })),
    { roomId: 1 },
    { roomId: 1, seq: -1 },
    { roomId: 1, seq: 1.5 },
    { roomId: 1, seq: "3" },
  ],
  "rooms.public": [42, "text", { limit: 1000 }, { search: huge }, ...forgedCursors],
  "rooms.members": [...wrongTypes, ...badIds],
  "rooms.update": [
    ...wrongTypes,
    ...badIds.map((id) => ({ ...id, topic: "t" })),
    { roomId: 1 },
    { roomId: 1, name: "" },
    { roomId: 1, name: huge },
    { roomId: 1, topic: huge },
    { roomId: 1, topic: 42 },
    ...unstorable.map((name) => ({ roomId: 1, name })),
    ...unstorable.map((topic) => ({ roomId: 1, topic })),
  ],
  "rooms.removeMember": [
    ...wrongTypes,
    ...badIds.map((id) => ({ ...id, userId: 2 })),
    { roomId: 1 },
    { roomId: 1, userId: "2" },
    ...tooBig.map((userId) => ({ roomId: 1, userId })),
  ],
  "rooms.mute": [
    ...wrongTypes,
    ...badIds.map((id) => ({ ...id, muted: true })),
    { roomId: 1 },
    { roomId: 1, muted: "yes" },
    { roomId: 1, muted: 1 },
  ],
  "invites.create": [
    ...wrongTypes,
    { roomId: 1 },
    { roomId: 1, user: {} },
    { roomId: 1, user: { userId: "2" } },
    ...tooBig.map((userId) => ({ roomId: 1, user: { userId } })),
    ...unstorable.map((username) => ({ roomId: 1, user: { username } })),
  ],
  "history.list": [
    ...wrongTypes,
    ...badIds,
    { roomId: 1, limit: 0 },
    { roomId: 1, before: -1 },
    { roomId: 1, after: "1" },
    { roomId: 1, before: 1.5 },
    { roomId: 1, before: 2 ** 53 },
  ],
  "history.around": [
    ...wrongTypes,
    ...badIds.map((ref) => ({ ...ref, seq: 1 })),
    { roomId: 1 },
    { roomId: 1, seq: 0 },
    { roomId: 1, seq: -1 },
    { roomId: 1, seq: "1" },
    { roomId: 1, seq: 1.5 },
    { roomId: 1, seq: 1, limit: 0 },
    { roomId: 1, seq: 1, limit: 101 },
  ],
  "search.messages": [
    ...wrongTypes,
    {},
    { query: 42 },
    { query: huge },
    ...unstorable.map((query) => ({ query })),
    { query: "" },
    { query: "   " },
    { query: "hello", scope: "everything" },
    { query: "hello", order: "oldest" },
    { query: "hello", limit: 0 },
    { query: "hello", limit: 51 },
    ...badIds.map(({ roomId }) => ({ query: "hello", roomId })),
    { query: "hello", fromUserId: 0 },
    { query: "hello", before: "yesterday" },
    { query: "hello", after: "2026-13-45" },
    { query: "hello", after: "2026-11-30T10:00:00" }, // no zone
    { query: "hello", hasFile: "yes" },
    ...forgedCursors.map(({ cursor }) => ({ query: "hello", cursor })),
    { query: "hello", cursor: encodeCursor('["newest","1","x"]') },
    { query: "hello", order: "relevance", cursor: encodeCursor('["newest","1",1]') },
    { query: "in:#no-such-room hello" },
    { query: "from:@no-such-user hello" },
    { query: "in:@no-such-user hello" },
    { query: "before:soon hello" },
    { query: "has:link hello" },
    { query: "in: hello" },
    { query: "in:#room-one in:#other hello" },
    { query: "after:2026-11-01", after: "2026-11-02" },
  ],
  "direct.open": [
    ...wrongTypes,
    { user: { userId: 0 } },
    { user: { username: "" } },
    ...tooBig.map((userId) => ({ user: { userId } })),
    ...unstorable.map((username) => ({ user: { username } })),
  ],
  "direct.list": null,
  "events.room": [
    ...wrongTypes,
    ...badIds,
    { roomId: 1, lastEventId: 5 },
    { roomId: 1, lastEventId: "x".repeat(30) },
    ...forgedEventIds.map((lastEventId) => ({ roomId: 1, lastEventId })),
  ],
  "events.mine": null,
  "events.presence": [
    ...wrongTypes,
    { userIds: [1] },
    { userIds: [1], away: "yes" },
    { userIds: 1, away: false },
    { userIds: [0], away: false },
    { userIds: ["1"], away: false },
    { userIds: [1.5], away: false },
    ...tooBig.map((userId) => ({ userIds: [userId], away: false })),
    { userIds: Array.from({ length: 501 }, (_, i) => i + 1), away: false },
  ],
  "events.typing": [...wrongTypes, ...badIds],
  "messages.send": [
    ...wrongTypes,
    ...badIds,
    { roomId: 1 },
    { roomId: 1, text: "" },
    { roomId: 1, text: 42 },
    { roomId: 1, text: huge },
    { roomId: 1, text: "hi", clientId: huge },
    ...unstorable.map((text) => ({ roomId: 1, text })),
    { roomId: 1, text: "hi", clientId: "a\u0000" },
    ...badMessageIds.map(({ messageId }) => ({ roomId: 1, text: "hi", parentId: messageId })),
    // Files: only the sender's pending uploads to the room, each once, at most ten.
    { roomId: 1, text: "", fileIds: [] },
    { roomId: 1, text: "hi", fileIds: "9b2f0c1e-8d1a-4c55-9a57-2f9a1d0c8e11" },
    { roomId: 1, text: "hi", fileIds: ["not-a-file"] },
    { roomId: 1, text: "hi", fileIds: [42] },
    {
      roomId: 1,
      text: "hi",
      fileIds: ["9b2f0c1e-8d1a-4c55-9a57-2f9a1d0c8e11", "9b2f0c1e-8d1a-4c55-9a57-2f9a1d0c8e11"],
    },
    {
      roomId: 1,
      text: "hi",
      fileIds: Array.from({ length: 11 }, (_, i) => `9b2f0c1e-8d1a-4c55-9a57-2f9a1d0c8e${10 + i}`),
    },
    { roomId: 1, text: "hi", fileIds: ["9b2f0c1e-8d1a-4c55-9a57-2f9a1d0c8e11"] },
  ],
  "messages.edit": [
    ...wrongTypes,
    ...badMessageIds.map((ref) => ({ ...ref, text: "hi" })),
    { messageId: 1 },
    { messageId: 1, text: "" },
    { messageId: 1, text: "   " },
    { messageId: 1, text: huge },
    ...unstorable.map((text) => ({ messageId: 1, text })),
  ],
  "messages.delete": [...wrongTypes, ...badMessageIds],
  "messages.react": badReactions,
  "messages.unreact": badReactions,
  "messages.pin": [...wrongTypes, ...badMessageIds],
  "messages.unpin": [...wrongTypes, ...badMessageIds],
  "messages.pinned": [...wrongTypes, ...badIds],
  "tokens.create": [
    ...wrongTypes,
    { name: "" },
    { name: "   " },
    { name: huge },
    ...unstorable.map((name) => ({ name })),
    { name: "ok", expiresAt: "tomorrow" },
    { name: "ok", expiresAt: 1_900_000_000_000 },
    { name: "ok", expiresAt: "2001-01-01T00:00:00Z" },
  ],
  "tokens.list": null,
  "tokens.revoke": [...wrongTypes, ...badBotIds.map(({ botId }) => ({ tokenId: botId }))],
  "bots.create": [
    ...wrongTypes,
    { username: "" },
    { username: "has space" },
    { username: huge },
    { username: "ok-bot", displayName: huge },
    ...unstorable.map((displayName) => ({ username: "ok-bot", displayName })),
  ],
  "bots.list": null,
  "bots.search": [42, "text", { limit: 0 }, { limit: 101 }, { search: huge }, ...forgedCursors],
  "bots.delete": [...wrongTypes, ...badBotIds],
  "bots.tokens": [...wrongTypes, ...badBotIds],
  "bots.createToken": [
    ...wrongTypes,
    ...badBotIds.map((ref) => ({ ...ref, name: "ci" })),
    { botId: 1, name: "" },
    { botId: 1, name: "ci", expiresAt: "soon" },
  ],
  "bots.revokeToken": [...wrongTypes, ...badBotIds.map((ref) => ({ ...ref, tokenId: 1 })), { botId: 1, tokenId: 0 }],
  "messages.thread": [
    ...wrongTypes,
    ...badMessageIds,
    { messageId: 1, limit: 0 },
    { messageId: 1, limit: 101 },
    { messageId: 1, before: -1 },
    { messageId: 1, before: 5, after: 1 },
  ],
  "webhooks.create": [
    ...wrongTypes,
    ...badIds.map((bad) => ({ ...bad, name: "hook" })),
    { roomId: 1 },
    { roomId: 1, name: "" },
    { roomId: 1, name: "   " },
    { roomId: 1, name: "x".repeat(65) },
    { roomId: 1, name: huge },
    ...unstorable.map((name) => ({ roomId: 1, name })),
    { roomId: 1, name: "hook", allowOverrides: "yes" },
  ],
  "webhooks.list": [...wrongTypes, ...badIds],
  "webhooks.rotate": [...wrongTypes, { hookId: "1" }, { hookId: 1 }, { hookId: "not-a-uuid" }, { hookId: huge }],
  "webhooks.delete": [...wrongTypes, { hookId: "1" }, { hookId: 1 }, { hookId: "not-a-uuid" }, { hookId: huge }],
  "outgoingWebhooks.create": [
    ...wrongTypes,
    ...badIds.map((bad) => ({ ...bad, name: "hook", url: "https://example.com/hook" })),
    { roomId: 1, name: "hook" },
    { roomId: 1, name: "", url: "https://example.com/hook" },
    { roomId: 1, name: huge, url: "https://example.com/hook" },
    ...unstorable.map((name) => ({ roomId: 1, name, url: "https://example.com/hook" })),
    { roomId: 1, name: "hook", url: "not a url" },
    { roomId: 1, name: "hook", url: "ftp://example.com/hook" },
    { roomId: 1, name: "hook", url: "javascript:alert(1)" },
    { roomId: 1, name: "hook", url: `https://example.com/${"x".repeat(2048)}` },
    { roomId: 1, name: "hook", url: "https://example.com/hook", triggerWords: "deploy" },
    { roomId: 1, name: "hook", url: "https://example.com/hook", triggerWords: ["two words"] },
    { roomId: 1, name: "hook", url: "https://example.com/hook", triggerWords: [""] },
    ...unstorable.map((word) => ({
      roomId: 1,
      name: "hook",
      url: "https://example.com/hook",
      triggerWords: [`a${word}`],
    })),
    ...unstorable.map((bad) => ({ roomId: 1, name: "hook", url: `https://example.com/${bad}` })),
    { roomId: 1, name: "hook", url: "https://example.com/#\u0000" },
    { roomId: 1, name: "hook", url: "https://example.com/hook", triggerWords: ["x".repeat(33)] },
    {
      roomId: 1,
      name: "hook",
      url: "https://example.com/hook",
      triggerWords: Array.from({ length: 11 }, (_, i) => `w${i}`),
    },
  ],
  "outgoingWebhooks.list": [...wrongTypes, ...badIds],
  "outgoingWebhooks.update": [
    ...wrongTypes,
    { hookId: "not-a-uuid" },
    { hookId: 1, name: "x" },
    { hookId: "00000000-0000-4000-8000-000000000000", url: "gopher://x" },
    { hookId: "00000000-0000-4000-8000-000000000000", triggerWords: [42] },
    { hookId: "00000000-0000-4000-8000-000000000000", name: "" },
    { hookId: "00000000-0000-4000-8000-000000000000", triggerWords: ["\u0000"] },
    { hookId: "00000000-0000-4000-8000-000000000000", triggerWords: ["\ud800"] },
    { hookId: "00000000-0000-4000-8000-000000000000", url: "https://example.com/\ud800" },
  ],
  "outgoingWebhooks.rotate": [
    ...wrongTypes,
    { hookId: "1" },
    { hookId: 1 },
    { hookId: "not-a-uuid" },
    { hookId: huge },
  ],
  "outgoingWebhooks.delete": [
    ...wrongTypes,
    { hookId: "1" },
    { hookId: 1 },
    { hookId: "not-a-uuid" },
    { hookId: huge },
  ],
  "outgoingWebhooks.deliveries": [
    ...wrongTypes,
    { hookId: "not-a-uuid" },
    { hookId: "00000000-0000-4000-8000-000000000000", limit: 0 },
    { hookId: "00000000-0000-4000-8000-000000000000", limit: 101 },
    { hookId: "00000000-0000-4000-8000-000000000000", cursor: "yesterday" },
    {
      hookId: "00000000-0000-4000-8000-000000000000",
      cursor: "2026-13-45T99:99:99.999Z~00000000-0000-0000-0000-000000000000",
    },
    {
      hookId: "00000000-0000-4000-8000-000000000000",
      cursor: "2026-02-30T00:00:00.000Z~00000000-0000-0000-0000-000000000000",
    },
    {
      hookId: "00000000-0000-4000-8000-000000000000",
      cursor: "0000-01-01T00:00:00.000Z~00000000-0000-0000-0000-000000000000",
    },
    { hookId: "00000000-0000-4000-8000-000000000000", cursor: huge },
  ],
};

const procedurePaths = Object.keys(appRouter._def.procedures);

function procedureOf(caller: Caller, path: string): (input: unknown) => Promise<unknown> {
  const [group, name] = path.split(".") as [string, string];
  return (caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[group]?.[name] as (
    input: unknown,
  ) => Promise<unknown>;
}

it("has bad-input cases for every procedure of the router", () => {
  expect(Object.keys(badInputs).sort()).toEqual([...procedurePaths].sort());
});

describe.each(drivers)("bad input on %s", (driver) => {
  let h: Harness;
  let caller: Caller;
  beforeAll(async () => {
    h = await createHarness(driver);
    const owner = await h.signUp("owner");
    // An administrator, so that the administration's procedures (bots.*) read their input too.
    await h.deps.db.update(schema.users).set({ role: "admin" }).where(eq(schema.users.id, owner.id));
    h.deps.access.forgetUser(owner.id);
    caller = owner.caller;
    const room = await caller.rooms.create({ name: "room-one" });
    await caller.messages.send({ roomId: room.id, text: "already here" });
  });
  afterAll(() => h?.dispose());

  it.each(procedurePaths.filter((p) => badInputs[p]))(
    "%s answers BAD_REQUEST in words and changes nothing",
    async (path) => {
      const call = procedureOf(caller, path);
      const before = await h.counts();
      for (const input of badInputs[path] ?? []) {
        const error = await expectTrpcError(call(input), "BAD_REQUEST");
        expect(error.message, `input ${JSON.stringify(input)?.slice(0, 80)}`).toMatch(/[a-z]{3,}/);
        expect(error.message).not.toMatch(/^\[/); // words, not a JSON dump of issues
      }
      expect(await h.counts()).toEqual(before);
    },
  );

  it("answers unknown ids with NOT_FOUND, never a crash", async () => {
    const before = await h.counts();
    for (const call of [
      () => caller.rooms.join({ roomId: 123_456 }),
      () => caller.rooms.get({ roomId: 123_456 }),
      () => caller.rooms.leave({ roomId: 123_456 }),
      () => caller.rooms.members({ roomId: 123_456 }),
      () => caller.rooms.markRead({ roomId: 123_456, seq: 1 }),
      () => caller.rooms.update({ roomId: 123_456, topic: "t" }),
      () => caller.rooms.removeMember({ roomId: 123_456, userId: 1 }),
      () => caller.rooms.mute({ roomId: 123_456, muted: true }),
      () => caller.history.list({ roomId: 123_456 }),
      () => caller.messages.send({ roomId: 123_456, text: "hello?" }),
      () => caller.invites.create({ roomId: 123_456, user: { userId: 1 } }),
      () => caller.profile.byId({ userId: 123_456 }),
      () => caller.direct.open({ user: { userId: 123_456 } }),
      () => caller.messages.edit({ messageId: 123_456, text: "x" }),
      () => caller.messages.delete({ messageId: 123_456 }),
      () => caller.messages.react({ messageId: 123_456, emoji: "👍" }),
      () => caller.messages.unreact({ messageId: 123_456, emoji: "👍" }),
      () => caller.messages.pin({ messageId: 123_456 }),
      () => caller.messages.unpin({ messageId: 123_456 }),
      () => caller.messages.thread({ messageId: 123_456 }),
      () => caller.messages.pinned({ roomId: 123_456 }),
      () => caller.history.around({ roomId: 123_456, seq: 1 }),
      () => caller.tokens.revoke({ tokenId: 123_456 }),
      () => caller.bots.delete({ botId: 123_456 }),
      () => caller.bots.tokens({ botId: 123_456 }),
      () => caller.bots.createToken({ botId: 123_456, name: "ci" }),
      () => caller.bots.revokeToken({ botId: 123_456, tokenId: 1 }),
      () => caller.admin.userTokens({ userId: 123_456 }),
      () => caller.admin.revokeUserToken({ userId: 123_456, tokenId: 1 }),
      () => caller.admin.revokeUserToken({ userId: 1, tokenId: 123_456 }),
      () => caller.admin.revokeUserTokens({ userId: 123_456 }),
      () => caller.search.messages({ query: "hello", roomId: 123_456 }),
      () => caller.search.messages({ query: "hello", fromUserId: 123_456 }),
    ]) {
      await expectTrpcError(call(), "NOT_FOUND", /was not found/);
    }
    expect(await h.counts()).toEqual(before);
  });
});
