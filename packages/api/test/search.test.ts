import { randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageOut, SearchInput, SearchPage } from "../src/schemas";
import { type Caller, createHarness, expectTrpcError, type Harness } from "./harness";

/** A word no other test's message holds, so that each test sees only its own messages. */
const uniq = () => `w${randomBytes(5).toString("hex")}`;

type Person = { caller: Caller; id: number; username: string };

const bodies = (page: SearchPage) => page.items.map((hit) => hit.message.body);

/** Search (issue 16): what it finds, for whom, in which order, and how it shows it. */
describe.each(drivers)("search on %s", (driver) => {
  let h: Harness;
  let ann: Person;
  let bob: Person;
  let cat: Person;
  beforeAll(async () => {
    h = await createHarness(driver);
    ann = await h.signUp();
    bob = await h.signUp();
    cat = await h.signUp();
  });
  afterAll(() => h?.dispose());

  /** A room of Ann's that Bob joined (public) or was invited to (private); Cat is not in it. */
  const newRoom = async (isPrivate = false, name = `room-${uniq()}`) => {
    const room = await ann.caller.rooms.create({ name, isPrivate });
    if (isPrivate) await ann.caller.invites.create({ roomId: room.id, user: { userId: bob.id } });
    else await bob.caller.rooms.join({ roomId: room.id });
    return room;
  };
  const search = (who: Person, query: string, more: Omit<SearchInput, "query"> = {}) =>
    who.caller.search.messages({ query, ...more });

  describe("the query language", () => {
    it("finds a word, a phrase in quotes, either of two words with OR, and leaves out -word", async () => {
      const room = await newRoom();
      const w = uniq();
      const send = (text: string) => ann.caller.messages.send({ roomId: room.id, text });
      await send(`${w} the big red cat sat`);
      await send(`${w} the red big cat ran`);
      await send(`${w} a dog barked`);
      await send(`${w} a mouse and a dog`);
      expect(bodies(await search(bob, `${w} cat`)).sort()).toEqual([
        `${w} the big red cat sat`,
        `${w} the red big cat ran`,
      ]);
      expect(bodies(await search(bob, `${w} "big red"`))).toEqual([`${w} the big red cat sat`]);
      expect(bodies(await search(bob, `${w} "red big"`))).toEqual([`${w} the red big cat ran`]);
      expect(bodies(await search(bob, `${w} cat OR mouse`)).length).toBe(3);
      expect(bodies(await search(bob, `${w} dog -mouse`))).toEqual([`${w} a dog barked`]);
    });

    it("uses the 'simple' configuration: any case, no stemming, stop words are words", async () => {
      const room = await newRoom();
      const w = uniq();
      await ann.caller.messages.send({ roomId: room.id, text: `${w} Running THE race` });
      expect(bodies(await search(bob, `${w.toUpperCase()} running`))).toEqual([`${w} Running THE race`]);
      expect(bodies(await search(bob, `${w} the`))).toEqual([`${w} Running THE race`]); // no stop words
      expect((await search(bob, `${w} run`)).items).toEqual([]); // no stemming: run does not find running
    });

    it("finds Cyrillic, Greek and accented words", async () => {
      const room = await newRoom();
      const w = uniq();
      for (const text of [`${w} Привет, мир`, `${w} Καλημέρα κόσμε`, `${w} un café très naïve`]) {
        await ann.caller.messages.send({ roomId: room.id, text });
      }
      expect(bodies(await search(bob, `${w} мир`))).toEqual([`${w} Привет, мир`]);
      expect(bodies(await search(bob, `${w} ПРИВЕТ`))).toEqual([`${w} Привет, мир`]);
      expect(bodies(await search(bob, `${w} καλημέρα`))).toEqual([`${w} Καλημέρα κόσμε`]);
      expect(bodies(await search(bob, `${w} café naïve`))).toEqual([`${w} un café très naïve`]);
    });

    it("answers an empty page for words that make no query (punctuation only), and refuses nothing at all", async () => {
      const page = await search(bob, "!!! ... ---");
      expect(page.items).toEqual([]);
      expect(page.nextCursor).toBeNull();
      await expectTrpcError(search(bob, ""), "BAD_REQUEST", /type something to search for/);
      await expectTrpcError(search(bob, "   ", { scope: "public" }), "BAD_REQUEST", /type something to search for/);
    });

    it("finds a reply, with its parentId", async () => {
      const room = await newRoom();
      const w = uniq();
      const parent = await ann.caller.messages.send({ roomId: room.id, text: `${w} question` });
      const reply = await bob.caller.messages.send({ roomId: room.id, text: `${w} answer`, parentId: parent.id });
      const [hit] = (await search(ann, `${w} answer`)).items;
      expect(hit?.message).toMatchObject({ id: reply.id, parentId: parent.id });
    });

    it("never finds a system notice", async () => {
      const name = `notice-${uniq()}`;
      await newRoom(false, name);
      expect((await search(ann, name)).items).toEqual([]); // "… joined the room" notices hold no name, nor are searched
      expect((await search(ann, "joined")).items.every((hit) => hit.message.kind === "text")).toBe(true);
    });
  });

  describe("filters", () => {
    it("in:#room, in:@user, from:@user, before:, after:, has:file, from the text and as fields alike", async () => {
      const w = uniq();
      const name = `Filters-${uniq()}`;
      const room = await newRoom(false, name);
      const other = await newRoom();
      const direct = await ann.caller.direct.open({ user: { userId: bob.id } });
      const inRoom = await ann.caller.messages.send({ roomId: room.id, text: `${w} in the room by ann` });
      const byBob = await bob.caller.messages.send({ roomId: room.id, text: `${w} in the room by bob` });
      const elsewhere = await bob.caller.messages.send({ roomId: other.id, text: `${w} elsewhere by bob` });
      const inDirect = await bob.caller.messages.send({ roomId: direct.room.id, text: `${w} in private by bob` });
      await h.deps.db.insert(schema.files).values({
        roomId: room.id,
        uploaderId: ann.id,
        messageId: inRoom.id,
        name: "a.txt",
        contentType: "text/plain",
        size: 1,
        storageKey: "test/a.txt",
      });
      const ids = (page: SearchPage) => page.items.map((hit) => hit.message.id).sort((a, b) => a - b);
      const sorted = (...list: { id: number }[]) => list.map((m) => m.id).sort((a, b) => a - b);

      const inText = await search(ann, `${w} IN:#${name.toUpperCase()}`);
      expect(ids(inText)).toEqual(sorted(inRoom, byBob));
      expect(inText.understood).toMatchObject({ text: w, room: { id: room.id, kind: "room", name } });
      expect(ids(await search(ann, w, { roomId: room.id }))).toEqual(sorted(inRoom, byBob));
      expect(ids(await search(ann, `${w} in:#"${name}"`, { roomId: room.id }))).toEqual(sorted(inRoom, byBob));

      const inDm = await search(ann, `${w} in:@${bob.username}`);
      expect(ids(inDm)).toEqual(sorted(inDirect));
      expect(inDm.understood.room).toEqual({ id: direct.room.id, kind: "direct", name: null });
      expect(ids(await search(ann, w, { roomId: direct.room.id }))).toEqual(sorted(inDirect));

      const fromBob = await search(ann, `${w} from:@${bob.username}`);
      expect(ids(fromBob)).toEqual(sorted(byBob, elsewhere, inDirect));
      expect(fromBob.understood.from).toEqual({ id: bob.id, username: bob.username });
      expect(ids(await search(ann, `${w} from:${bob.username.toUpperCase()}`))).toEqual(
        sorted(byBob, elsewhere, inDirect),
      );
      expect(ids(await search(ann, w, { fromUserId: bob.id }))).toEqual(sorted(byBob, elsewhere, inDirect));

      const withFile = await search(ann, `${w} has:file`);
      expect(ids(withFile)).toEqual(sorted(inRoom));
      expect(withFile.understood.hasFile).toBe(true);
      expect(ids(await search(ann, w, { hasFile: true }))).toEqual(sorted(inRoom));

      // Dates: today's messages are after yesterday and before tomorrow, neither before today nor after it.
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      const all = sorted(inRoom, byBob, elsewhere, inDirect);
      expect(ids(await search(ann, `${w} after:${day(-1)} before:${day(1)}`))).toEqual(all);
      expect(ids(await search(ann, w, { after: day(-1), before: day(1) }))).toEqual(all);
      expect((await search(ann, `${w} before:${day(0)}`)).items).toEqual([]);
      expect((await search(ann, `${w} after:${day(0)}`)).items).toEqual([]);
      const instant = await search(ann, `${w} after:${new Date(Date.now() - 60_000).toISOString()}`);
      expect(ids(instant)).toEqual(all);
      expect(instant.understood.after).toBe(new Date(Date.parse(instant.understood.after ?? "")).toISOString());
      const understood = (await search(ann, `${w} before:${day(1)}`)).understood;
      expect(understood.before).toBe(`${day(1)}T00:00:00.000Z`);

      // A field alone is a search too.
      expect(ids(await search(ann, "", { roomId: room.id, fromUserId: bob.id }))).toEqual([byBob.id]);

      // Filters only: newest first, no words.
      const only = await search(ann, `from:@${bob.username} in:#${name}`, { order: "relevance" });
      expect(only.items.map((hit) => hit.message.id)).toEqual([byBob.id]);
      expect(only.understood).toMatchObject({ text: "", order: "newest" });
      expect(only.items[0]?.snippet).toEqual([{ text: byBob.body, match: false }]);
    });

    it("refuses a text filter and a field that disagree, in words, and unknown names in words", async () => {
      const room = await newRoom();
      const other = await newRoom();
      const w = uniq();
      await expectTrpcError(search(ann, `${w} in:#${room.name}`, { roomId: other.id }), "BAD_REQUEST", /disagree/);
      await expectTrpcError(
        search(ann, `${w} from:@${bob.username}`, { fromUserId: ann.id }),
        "BAD_REQUEST",
        /disagree/,
      );
      await expectTrpcError(search(ann, `${w} before:2026-01-02`, { before: "2026-01-03" }), "BAD_REQUEST", /disagree/);
      await expectTrpcError(
        search(ann, `${w} after:2026-01-02`, { after: "2026-01-02T12:00:00Z" }),
        "BAD_REQUEST",
        /disagree/,
      );
      await expectTrpcError(search(ann, `${w} has:file`, { hasFile: false }), "BAD_REQUEST", /disagree/);
      await expectTrpcError(search(ann, `${w} in:#a in:#b`), "BAD_REQUEST", /already says in:#a/);
      await expectTrpcError(
        search(ann, `${w} in:#nope-${w}`),
        "BAD_REQUEST",
        new RegExp(`in:#nope-${w}: no room of yours is called nope-${w}`),
      );
      await expectTrpcError(search(ann, `${w} from:@nobody-${w}`), "BAD_REQUEST", /no user is called nobody-/);
      await expectTrpcError(
        search(ann, `${w} in:@${cat.username}`),
        "BAD_REQUEST",
        /you have no direct conversation with/,
      );
      await expectTrpcError(search(ann, `${w} before:yesterday`), "BAD_REQUEST", /must be a date/);
      await expectTrpcError(search(ann, `${w} has:link`), "BAD_REQUEST", /has:file/);
      await expectTrpcError(search(ann, `${w} from:`), "BAD_REQUEST", /needs a value/);
      // Agreeing twice is fine.
      const page = await search(ann, `${w} in:#${room.name}`, { roomId: room.id, before: "2099-01-01" });
      expect(page.understood.room?.id).toBe(room.id);
    });
  });

  describe("who finds what", () => {
    it("never finds a stranger's private room, by words or by in:, and answers in: it as a room that does not exist", async () => {
      const secret = await newRoom(true);
      const w = uniq();
      await ann.caller.messages.send({ roomId: secret.id, text: `${w} the secret plan` });
      expect(bodies(await search(bob, w))).toEqual([`${w} the secret plan`]);
      expect((await search(cat, w)).items).toEqual([]);
      expect((await search(cat, w, { scope: "public" })).items).toEqual([]);
      const asMissing = await expectTrpcError(search(cat, `${w} in:#${secret.name}`), "BAD_REQUEST");
      expect(asMissing.message).toBe(`in:#${secret.name}: no room of yours is called ${secret.name}`);
      const missing = `gone-${w}`;
      const trulyMissing = await expectTrpcError(search(cat, `${w} in:#${missing}`), "BAD_REQUEST");
      expect(trulyMissing.message).toBe(`in:#${missing}: no room of yours is called ${missing}`);
      const byId = await expectTrpcError(search(cat, w, { roomId: secret.id }), "NOT_FOUND");
      const byUnknownId = await expectTrpcError(search(cat, w, { roomId: 2_000_000_000 }), "NOT_FOUND");
      expect(byId.message).toBe(byUnknownId.message);
    });

    it("stops finding a room's messages once the caller left it or was removed from it", async () => {
      const left = await newRoom(true);
      const removed = await newRoom(true);
      const w = uniq();
      await ann.caller.messages.send({ roomId: left.id, text: `${w} said before bob left` });
      await ann.caller.messages.send({ roomId: removed.id, text: `${w} said before bob was removed` });
      expect((await search(bob, w)).items.length).toBe(2);
      await bob.caller.rooms.leave({ roomId: left.id });
      expect(bodies(await search(bob, w))).toEqual([`${w} said before bob was removed`]);
      await ann.caller.rooms.removeMember({ roomId: removed.id, userId: bob.id });
      expect((await search(bob, w)).items).toEqual([]);
      expect((await search(bob, w, { scope: "public" })).items).toEqual([]);
      await expectTrpcError(search(bob, `${w} in:#${left.name}`), "BAD_REQUEST", /no room of yours/);
    });

    it("finds a direct conversation for its two members only", async () => {
      const direct = await ann.caller.direct.open({ user: { userId: bob.id } });
      const w = uniq();
      await ann.caller.messages.send({ roomId: direct.room.id, text: `${w} between us` });
      expect(bodies(await search(ann, w))).toEqual([`${w} between us`]);
      expect(bodies(await search(bob, w))).toEqual([`${w} between us`]);
      expect((await search(cat, w)).items).toEqual([]);
      expect((await search(cat, w, { scope: "public" })).items).toEqual([]);
      await expectTrpcError(search(cat, w, { roomId: direct.room.id }), "NOT_FOUND");
    });

    it("public scope finds a public room not joined, never a private one; mine does not", async () => {
      const open = await newRoom();
      const closed = await newRoom(true);
      const w = uniq();
      await ann.caller.messages.send({ roomId: open.id, text: `${w} out in the open` });
      await ann.caller.messages.send({ roomId: closed.id, text: `${w} behind doors` });
      expect((await search(cat, w)).items).toEqual([]);
      const pub = await search(cat, w, { scope: "public" });
      expect(bodies(pub)).toEqual([`${w} out in the open`]);
      expect(pub.items[0]?.room).toEqual({ id: open.id, kind: "room", name: open.name });
      expect(pub.understood.scope).toBe("public");
      // Ann, a member of both, finds only the public one in public scope.
      expect(bodies(await search(ann, w, { scope: "public" }))).toEqual([`${w} out in the open`]);
      // Naming a public room searches it, joined or not.
      expect(bodies(await search(cat, `${w} in:#${open.name}`))).toEqual([`${w} out in the open`]);
    });
  });

  describe("consistency", () => {
    it("finds an edited message by its new text only, and a deleted one never, right after each change", async () => {
      const room = await newRoom();
      const w = uniq();
      const sent = await ann.caller.messages.send({ roomId: room.id, text: `${w} original wording` });
      expect(bodies(await search(bob, `${w} original`))).toEqual([`${w} original wording`]);
      await ann.caller.messages.edit({ messageId: sent.id, text: `${w} revised wording` });
      expect((await search(bob, `${w} original`)).items).toEqual([]);
      const found = await search(bob, `${w} revised`);
      expect(found.items.map((hit) => [hit.message.id, hit.message.body, hit.message.editedAt !== null])).toEqual([
        [sent.id, `${w} revised wording`, true],
      ]);
      await ann.caller.messages.delete({ messageId: sent.id });
      expect((await search(bob, `${w} revised`)).items).toEqual([]);
      expect((await search(bob, w)).items).toEqual([]);
      expect((await search(bob, `in:#${room.name}`)).items).toEqual([]); // filters only: no tombstones either
    });
  });

  describe("one snapshot", () => {
    it("shows a hit as the text it was found by, even while an edit commits (30 trials)", async () => {
      const room = await newRoom();
      let foundBefore = 0;
      for (let i = 0; i < 30; i++) {
        const w = uniq();
        const sent = await ann.caller.messages.send({ roomId: room.id, text: `${w} alpha` });
        // Started in either order, so that the edit commits before, during or after the search.
        const edit = () => ann.caller.messages.edit({ messageId: sent.id, text: `${w} beta` });
        const [page] =
          i % 2 === 0
            ? await Promise.all([search(bob, `${w} alpha`), edit()])
            : await Promise.all([edit(), search(bob, `${w} alpha`)]).then(([, found]) => [found] as const);
        // Found by the old text: shown with the old text, read in the same snapshot; or not found.
        for (const hit of page.items) {
          expect(hit.message.body).toBe(`${w} alpha`);
          expect(hit.snippet.filter((p) => p.match).map((p) => p.text)).toEqual([w, "alpha"]);
          foundBefore++;
        }
        expect((await search(bob, `${w} alpha`)).items).toEqual([]);
        expect(bodies(await search(bob, `${w} beta`))).toEqual([`${w} beta`]);
      }
      console.log(`${driver}: found by the old text before the edit in ${foundBefore} of 30 trials`);
    });
  });

  describe("paging", () => {
    it("pages newest first and by relevance with cursors, with no duplicate and no gap", async () => {
      const room = await newRoom();
      const w = uniq();
      const sent: number[] = [];
      for (let i = 0; i < 13; i++) {
        // Relevance varies: some say the word thrice, some once; ties fall back to newest first.
        const text = i % 3 === 0 ? `${w} ${w} ${w} number ${i}` : `${w} number ${i}`;
        sent.push((await ann.caller.messages.send({ roomId: room.id, text })).id);
      }
      for (const order of ["newest", "relevance"] as const) {
        const seen: number[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await search(bob, w, { order, limit: 5, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((hit) => hit.message.id));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(new Set(seen).size).toBe(13);
        expect([...seen].sort((a, b) => a - b)).toEqual(sent);
        const whole = await search(bob, w, { order, limit: 50 });
        expect(whole.items.map((hit) => hit.message.id)).toEqual(seen);
        if (order === "newest") expect(seen).toEqual([...sent].reverse());
        else {
          const thrice = sent.filter((_, i) => i % 3 === 0).reverse();
          expect(seen.slice(0, thrice.length)).toEqual(thrice);
        }
      }
      const first = await search(bob, w, { order: "newest", limit: 5 });
      await expectTrpcError(
        search(bob, w, { order: "relevance", cursor: first.nextCursor ?? "" }),
        "BAD_REQUEST",
        /cursor: from a search ordered by newest, not by relevance/,
      );
      await expectTrpcError(search(bob, w, { cursor: "bogus" }), "BAD_REQUEST", /cursor/);
      const foreign = Buffer.from(JSON.stringify({ after: "bob" })).toString("base64url");
      await expectTrpcError(search(bob, w, { cursor: foreign }), "BAD_REQUEST", /cursor: not one a search gave out/);
    });
  });

  describe("snippets", () => {
    it("marks the matches in plain text, keeps markup as text, and joins fragments", async () => {
      const room = await newRoom();
      const w = uniq();
      const tricky = `${w} <b>bold</b> & <script>alert(1)</script> \uE000private\uE001 use`;
      await ann.caller.messages.send({ roomId: room.id, text: tricky });
      const [hit] = (await search(bob, `${w} bold`)).items;
      const snippet = hit?.snippet ?? [];
      expect(snippet.filter((p) => p.match).map((p) => p.text)).toEqual([w, "bold"]);
      const text = snippet.map((p) => p.text).join("");
      expect(text).toContain("<b>");
      expect(text).toContain("</b>");
      expect(text).toContain("<script>alert(1)</script>");
      expect(text).not.toMatch(/[\uE000-\uE003]/);

      const long = [w, ...Array.from({ length: 80 }, (_, i) => `filler${i}`), "needle", "more", "words"].join(" ");
      await ann.caller.messages.send({ roomId: room.id, text: long });
      const [far] = (await search(bob, `${w} needle`)).items;
      const parts = far?.snippet ?? [];
      expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual([w, "needle"]);
      expect(parts.map((p) => p.text).join("")).toContain(" … ");
      expect(parts.map((p) => p.text).join("").length).toBeLessThan(long.length);
    });

    it("shows each hit's message as it is now, with its reactions and its room", async () => {
      const room = await newRoom();
      const w = uniq();
      const sent = await ann.caller.messages.send({ roomId: room.id, text: `${w} react to me` });
      await bob.caller.messages.react({ messageId: sent.id, emoji: "👍" });
      const [hit] = (await search(ann, w)).items;
      expect(hit?.message.reactions).toEqual([{ emoji: "👍", count: 1, userIds: [bob.id] }]);
      expect(hit?.room).toEqual({ id: room.id, kind: "room", name: room.name });
    });
  });

  describe("history around a sequence number", () => {
    it("opens a room at a message with history on both sides, at its start, at its end, at a reply and at a change", async () => {
      const room = await newRoom();
      const sent: MessageOut[] = [];
      for (let i = 0; i < 9; i++) sent.push(await ann.caller.messages.send({ roomId: room.id, text: `m${i}` }));
      const m = (i: number) => sent[i] as MessageOut;
      const reply = await bob.caller.messages.send({ roomId: room.id, text: "a reply to m4", parentId: m(4).id });
      const edit = await ann.caller.messages.edit({ messageId: m(6).id, text: "m6 edited" });
      const { lastSeq } = await ann.caller.rooms.get({ roomId: room.id });
      const textOf = (items: { body: string; kind: string }[]) =>
        items.filter((x) => x.kind === "text").map((x) => x.body);

      const middle = await bob.caller.history.around({ roomId: room.id, seq: m(4).seq, limit: 2 });
      expect(middle).toMatchObject({ anchorId: m(4).id, hasMoreBefore: true, hasMoreAfter: true, lastSeq });
      expect(middle.items.map((x) => x.id)).toEqual([m(2).id, m(3).id, m(4).id, m(5).id, m(6).id]);
      expect(middle.items[2]?.thread?.replyCount).toBe(1);
      expect(middle.items[4]?.body).toBe("m6 edited");

      const start = await bob.caller.history.around({ roomId: room.id, seq: 1, limit: 2 });
      expect(start.hasMoreBefore).toBe(false);
      expect(start.hasMoreAfter).toBe(true);
      expect(start.anchorId).toBe(start.items[0]?.id);
      expect(start.items.length).toBe(3);

      const end = await bob.caller.history.around({ roomId: room.id, seq: m(8).seq, limit: 3 });
      expect(end).toMatchObject({ anchorId: m(8).id, hasMoreBefore: true, hasMoreAfter: false, lastSeq });
      expect(textOf(end.items)).toEqual(["m5", "m6 edited", "m7", "m8"]);

      const atReply = await bob.caller.history.around({ roomId: room.id, seq: reply.seq, limit: 1 });
      expect(atReply.anchorId).toBe(m(4).id);
      expect(atReply.items.map((x) => x.id)).toEqual([m(3).id, m(4).id, m(5).id]);

      const changeSeq = lastSeq; // the edit's own sequence number, the room's last
      expect(changeSeq).toBeGreaterThan(reply.seq);
      expect(edit.seq).toBe(m(6).seq);
      const atChange = await bob.caller.history.around({ roomId: room.id, seq: changeSeq, limit: 2 });
      expect(atChange).toMatchObject({ anchorId: null, hasMoreBefore: true, hasMoreAfter: false });
      expect(textOf(atChange.items)).toEqual(["m7", "m8"]);

      const beyond = await bob.caller.history.around({ roomId: room.id, seq: lastSeq + 100, limit: 2 });
      expect(beyond).toMatchObject({ anchorId: null, hasMoreAfter: false, lastSeq });
      expect(textOf(beyond.items)).toEqual(["m7", "m8"]);

      const all = await bob.caller.history.around({ roomId: room.id, seq: m(4).seq, limit: 50 });
      expect(all).toMatchObject({ hasMoreBefore: false, hasMoreAfter: false });
      const list = await bob.caller.history.list({ roomId: room.id, limit: 50 });
      expect(all.items.map((x) => x.id)).toEqual(list.items.map((x) => x.id).reverse());
    });

    it("refuses a stranger as history.list does", async () => {
      const secret = await newRoom(true);
      const open = await newRoom();
      const sent = await ann.caller.messages.send({ roomId: secret.id, text: "hidden" });
      const around = await expectTrpcError(
        cat.caller.history.around({ roomId: secret.id, seq: sent.seq }),
        "NOT_FOUND",
      );
      const list = await expectTrpcError(cat.caller.history.list({ roomId: secret.id }), "NOT_FOUND");
      expect(around.message).toBe(list.message);
      const notJoined = await expectTrpcError(cat.caller.history.around({ roomId: open.id, seq: 1 }), "FORBIDDEN");
      const listNotJoined = await expectTrpcError(cat.caller.history.list({ roomId: open.id }), "FORBIDDEN");
      expect(notJoined.message).toBe(listNotJoined.message);
      await expectTrpcError(cat.caller.history.around({ roomId: 2_000_000_000, seq: 1 }), "NOT_FOUND");
    });
  });

  it("rows in the database hold the search vector of the current text only", async () => {
    const room = await newRoom();
    const w = uniq();
    const sent = await ann.caller.messages.send({ roomId: room.id, text: `${w} first` });
    await ann.caller.messages.edit({ messageId: sent.id, text: `${w} second` });
    const vector = async () => {
      const result = await h.deps.db.execute(sql`select search_vector::text as v from messages where id = ${sent.id}`);
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { v: string }[];
      return rows[0]?.v;
    };
    expect(await vector()).toBe(`'second':2 '${w}':1`);
    await ann.caller.messages.delete({ messageId: sent.id });
    expect(await vector()).toBe("");
    const [row] = await h.deps.db.select().from(schema.messages).where(eq(schema.messages.id, sent.id));
    expect(row?.body).toBe("");
  });
});

describe("search's rate limit", () => {
  it("refuses a user's searches beyond LIMIT_SEARCHES_PER_USER, in words, and not another user's", async () => {
    const h = await createHarness("pglite", undefined, { limits: { searchesPerUser: { points: 2, seconds: 60 } } });
    try {
      const ann = await h.signUp();
      const bob = await h.signUp();
      await ann.caller.search.messages({ query: "hello" });
      await ann.caller.search.messages({ query: "hello" });
      await expectTrpcError(ann.caller.search.messages({ query: "hello" }), "TOO_MANY_REQUESTS", /searching too fast/);
      await bob.caller.search.messages({ query: "hello" });
    } finally {
      await h.dispose();
    }
  });
});
