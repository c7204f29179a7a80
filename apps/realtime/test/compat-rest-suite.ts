import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { RunningServer } from "./processes";

/** Starts a Parley with an empty database of its own; `stop` stops it and throws the data away. */
export type FreshParley = () => Promise<RunningServer>;

/**
 * The seed READMEs' requests, replayed as they are written (paths, verbs, headers, bodies), each
 * seed against a Parley of its own, checking the response fields each README documents. Run in
 * both ways to run: `start` gives a fresh Parley of that mode.
 */
export function seedRestConformance(mode: string, start: FreshParley) {
  describe(`the seed REST endpoints (${mode})`, () => {
    const servers: RunningServer[] = [];
    const fresh = async () => {
      const server = await start();
      servers.push(server);
      return server;
    };
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
    });

    /** A curl-like call: method, path, headers and a body sent exactly as given (GET may carry one, as with curl -d). */
    const call = (
      server: RunningServer,
      method: string,
      path: string,
      headers: Record<string, string> = {},
      body?: string,
    ) =>
      new Promise<{ status: number; json: Record<string, unknown> & unknown[]; text: string }>((resolve, reject) => {
        const length = body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) }; // as curl sends
        const request = httpRequest(
          `${server.url}${path}`,
          { method, headers: { ...headers, ...length } },
          (response) => {
            let text = "";
            response.on("data", (chunk: Buffer) => {
              text += chunk.toString();
            });
            response.on("end", () => {
              let json: unknown = null;
              try {
                json = JSON.parse(text);
              } catch {}
              resolve({ status: response.statusCode ?? 0, json: json as Record<string, unknown> & unknown[], text });
            });
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    const JSON_TYPE = { "Content-Type": "application/json" };

    describe("seed 000 (chat-server v1)", () => {
      let s: RunningServer;
      beforeAll(async () => {
        s = await fresh();
      });

      it("register, login (PUT), profile, change-name, create-room, join, invite", async () => {
        const registered = await call(
          s,
          "POST",
          "/register",
          JSON_TYPE,
          `{
        "username": "user",
        "email": "user@example.com",
        "password": "password"
    }`,
        );
        expect(registered.status).toBe(200);
        expect(registered.json).toMatchObject({ id: 1, username: "user", email: "user@example.com" });

        const login = await call(
          s,
          "PUT",
          "/login",
          JSON_TYPE,
          `{
        "email": "user@example.com",
        "password": "password"
    }`,
        );
        expect(login.status).toBe(200);
        const token = login.json.token as string;
        expect(token.split(".")).toHaveLength(3);

        const profile = await call(s, "GET", "/profile", { Authorization: token });
        expect(profile.json).toMatchObject({ id: 1, username: "user", email: "user@example.com" });

        const renamed = await call(
          s,
          "PUT",
          "/change-name",
          { Authorization: token, ...JSON_TYPE },
          `{
        "username": "newname1234"
    }`,
        );
        expect(renamed.status).toBe(200);
        expect(renamed.json).toMatchObject({ username: "newname1234" });

        const room = await call(
          s,
          "POST",
          "/create-room",
          { Authorization: token, ...JSON_TYPE },
          `{
    "name": "GeneralChat",
    "is_private": false
    }`,
        );
        expect(room.status).toBe(200);
        expect(room.json).toMatchObject({ id: 1, name: "GeneralChat", is_private: false, creator: 1 });

        const other = await call(s, "POST", "/register", JSON_TYPE, '{"username":"other","password":"password"}');
        const otherToken = (await call(s, "PUT", "/login", JSON_TYPE, '{"username":"other","password":"password"}'))
          .json.token as string;
        const joined = await call(
          s,
          "PUT",
          "/join",
          { Authorization: otherToken, ...JSON_TYPE },
          `{
    "room_id": 1
    }`,
        );
        expect(joined.status).toBe(200);

        const secret = await call(
          s,
          "POST",
          "/create-room",
          { Authorization: token, ...JSON_TYPE },
          '{"name":"Secret","is_private":true}',
        );
        const refused = await call(
          s,
          "PUT",
          "/join",
          { Authorization: otherToken, ...JSON_TYPE },
          `{"room_id": ${secret.json.id}}`,
        );
        expect(refused.status).toBe(404);
        const invited = await call(
          s,
          "PUT",
          "/invite",
          { Authorization: token, ...JSON_TYPE },
          `{
    "room_id": ${secret.json.id},
    "user_id": ${other.json.id}
    }`,
        );
        expect(invited.status).toBe(200);
        expect(
          (await call(s, "PUT", "/join", { Authorization: otherToken, ...JSON_TYPE }, `{"room_id": ${secret.json.id}}`))
            .status,
        ).toBe(200);
        const notOwner = await call(
          s,
          "PUT",
          "/invite",
          { Authorization: otherToken, ...JSON_TYPE },
          `{"room_id": 1, "user_id": 1}`,
        );
        expect(notOwner.status).toBe(403);
        expect(notOwner.json.message).toMatch(/owner/);
      });
    });

    describe("seed 001 (chat-server v2)", () => {
      let s: RunningServer;
      let token: string;
      beforeAll(async () => {
        s = await fresh();
      });

      it("capitalised fields, public profiles, rooms, room info", async () => {
        expect(
          (
            await call(
              s,
              "POST",
              "/register",
              JSON_TYPE,
              `{
        "Username": "user",
        "Email": "user@example.com",
        "Password": "password"
    }`,
            )
          ).status,
        ).toBe(200);
        token = (
          await call(
            s,
            "PUT",
            "/login",
            JSON_TYPE,
            `{
        "Email": "user@example.com",
        "Password": "password"
    }`,
          )
        ).json.token as string;
        const publicProfile = await call(s, "GET", "/profile/1");
        expect(publicProfile.json).toMatchObject({ id: 1, username: "user" });
        expect(publicProfile.text).not.toContain("user@example.com");

        const renamed = await call(
          s,
          "PUT",
          "/change-name",
          { Authorization: token, ...JSON_TYPE },
          `{
        "NewName": "newname1234"
    }`,
        );
        expect(renamed.json).toMatchObject({ username: "newname1234" });

        const room = await call(
          s,
          "POST",
          "/create-room",
          { Authorization: token, ...JSON_TYPE },
          `{
        "Name": "GeneralChat",
        "IsPrivate": false
    }`,
        );
        expect(room.json).toMatchObject({ id: 1, name: "GeneralChat" });
        expect(
          (
            await call(
              s,
              "PUT",
              "/join",
              { Authorization: token, ...JSON_TYPE },
              `{
        "RoomID": 1
    }`,
            )
          ).status,
        ).toBe(200);
        expect(
          (
            await call(
              s,
              "PUT",
              "/invite",
              { Authorization: token, ...JSON_TYPE },
              `{
        "RoomID": 1,
        "UID": 1
    }`,
            )
          ).status,
        ).toBe(200);
        expect((await call(s, "GET", "/rooms", { Authorization: token })).json).toEqual([1]);
        expect((await call(s, "GET", "/room/1")).json).toMatchObject({
          id: 1,
          name: "GeneralChat",
          is_private: false,
          creator: 1,
        });
      });

      it("pages /messages/{roomId} back by LastID, 100 at a time, every message once", async () => {
        for (let i = 1; i <= 250; i++) {
          const sent = await fetch(`${s.url}/trpc/messages.send`, {
            method: "POST",
            headers: { authorization: token, ...JSON_TYPE },
            body: JSON.stringify({ roomId: 1, text: `m${i}` }),
          });
          expect(sent.status).toBe(200);
        }
        const seen: string[] = [];
        let lastId = 0;
        for (;;) {
          const page = await call(s, "GET", "/messages/1", { Authorization: token }, `{"LastID":${lastId}}`);
          expect(page.status).toBe(200);
          const items = page.json as unknown as { id: number; text: string }[];
          expect(items.length).toBeLessThanOrEqual(100);
          if (items.length === 0) break;
          seen.push(...items.map((m) => m.text));
          lastId = items.at(-1)?.id ?? 0;
        }
        const texts = seen.filter((t) => /^m\d+$/.test(t));
        expect(texts).toEqual(Array.from({ length: 250 }, (_, i) => `m${250 - i}`));
        const viaQuery = await call(s, "GET", `/messages/1?last_id=0`, { Authorization: token });
        expect((viaQuery.json as unknown as unknown[]).length).toBe(100);
      });
    });

    describe("seed 002 (real-time chat app server)", () => {
      let s: RunningServer;
      beforeAll(async () => {
        s = await fresh();
      });

      it("signup, login, create and list chat rooms in gorm-style records", async () => {
        const signup = await call(
          s,
          "POST",
          "/v1/api/auth/signup",
          JSON_TYPE,
          `{
    "user_name": "user",
    "email": "email@mail.com",
    "password": "pass"
}`,
        );
        expect(signup.status).toBe(200);
        expect(signup.json).toMatchObject({
          user: { ID: 1, DeletedAt: null, UserName: "user", Email: "email@mail.com" },
        });
        const login = await call(
          s,
          "POST",
          "/v1/api/auth/login",
          JSON_TYPE,
          `{
    "email": "email@mail.com",
    "password": "pass"
}`,
        );
        expect(login.json).toMatchObject({ user: { ID: 1, UserName: "user" } });
        const token = login.json.token as string;
        const created = await call(
          s,
          "POST",
          "/v1/api/chat/create",
          { Authorization: `Bearer ${token}`, ...JSON_TYPE },
          `{
    "name": "Chat name"
}`,
        );
        expect(created.json).toMatchObject({ chatRoom: { ID: 1, DeletedAt: null, name: "Chat name" } });
        const listed = await call(s, "GET", "/v1/api/chat/rooms", { Authorization: `Bearer ${token}` });
        expect(listed.json).toMatchObject({ chatRooms: [{ ID: 1, name: "Chat name" }] });
      });
    });

    describe("seed 003 (ByteChat)", () => {
      let s: RunningServer;
      beforeAll(async () => {
        s = await fresh();
      });

      it("register, login (POST), profile, and a logout that revokes the token on REST and tRPC", async () => {
        const registered = await call(
          s,
          "POST",
          "/register",
          JSON_TYPE,
          `{
  "username": "alice",
  "password": "123456"
}`,
        );
        expect(registered.json).toMatchObject({ id: 1, username: "alice" });
        const login = await call(
          s,
          "POST",
          "/login",
          JSON_TYPE,
          `{
  "username": "alice",
  "password": "123456"
}`,
        );
        const token = login.json.token as string;
        expect((await call(s, "GET", "/profile", { Authorization: `Bearer ${token}` })).json).toMatchObject({
          username: "alice",
        });
        expect((await call(s, "POST", "/logout", { Authorization: `Bearer ${token}` })).status).toBe(200);
        const after = await call(s, "GET", "/profile", { Authorization: `Bearer ${token}` });
        expect(after.status).toBe(401);
        expect(after.json.message).toMatch(/session has ended/);
        const trpc = await fetch(`${s.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
        expect(trpc.status).toBe(401);
        const socket = new WebSocket(`${s.url.replace("http", "ws")}/ws?token=${token}`);
        const [, refused] = await once(socket, "unexpected-response");
        expect((refused as { statusCode: number }).statusCode).toBe(401);
        expect((await call(s, "GET", "/profile", { Authorization: "Bearer forged.token.here" })).status).toBe(401);
      });
    });

    describe("seed 004 (flash-chat-server)", () => {
      let s: RunningServer;
      beforeAll(async () => {
        s = await fresh();
      });

      it("register with a name, login, and the user list", async () => {
        const registered = await call(
          s,
          "POST",
          "/register",
          JSON_TYPE,
          `{
    "name":"Parsa",
    "username":"apm",
    "password":"secret"
}`,
        );
        expect(registered.json).toMatchObject({
          code: "200",
          message: "welcome Parsa",
          content: { token: expect.any(String) },
        });
        const login = await call(
          s,
          "POST",
          "/login",
          JSON_TYPE,
          `{
    "name":"Parsa",
    "username":"apm",
    "password":"secret"
}`,
        );
        expect(login.json).toMatchObject({ code: "200", message: "", content: { token: expect.any(String) } });
        await call(s, "POST", "/register", JSON_TYPE, '{"name":"Parham","username":"popo","password":"secret"}');
        const listed = await call(s, "GET", "/users", {
          Authorization: `Bearer ${(login.json.content as { token: string }).token}`,
        });
        expect(listed.json).toEqual({
          code: "200",
          message: "",
          content: [
            { name: "Parsa", username: "apm" },
            { name: "Parham", username: "popo" },
          ],
          next_cursor: null, // Parley's: the list ended (see the paging below)
        });
      });

      it("pages the users and the rooms with ?limit= and ?cursor=, says when more follow, and refuses a forged cursor", async () => {
        const names = ["pa", "pb", "pc", "pd", "pe"];
        const tokens: string[] = [];
        for (const username of names) {
          const registered = await call(
            s,
            "POST",
            "/register",
            JSON_TYPE,
            JSON.stringify({ username, password: "pw-pw-pw" }),
          );
          tokens.push((registered.json.content as { token: string }).token);
        }
        const auth = { Authorization: `Bearer ${tokens[0]}` };
        /** Every page of a list, following its Link header, checked against its body's cursor. */
        const allPages = async (path: string, cursorKey: string) => {
          const pages: { items: unknown[]; link: string | null }[] = [];
          let next: string | null = path;
          while (next) {
            const response: Response = await fetch(`${s.url}${next}`, { headers: auth });
            expect(response.status).toBe(200);
            const body = (await response.json()) as Record<string, unknown>;
            const link: string | null = response.headers.get("link");
            const cursor = body[cursorKey] as string | null;
            expect(response.headers.get("x-next-cursor")).toBe(cursor);
            if (cursor) expect(link).toMatch(/^<\/[^>]*cursor=[^>]*>; rel="next"$/);
            else expect(link).toBeNull();
            pages.push({ items: (body.content ?? body.chatRooms) as unknown[], link });
            next = link ? (/^<([^>]*)>/.exec(link)?.[1] ?? null) : null;
          }
          return pages;
        };
        const users = await allPages("/users?limit=2", "next_cursor");
        // (With the users of the test before, if it ran: every user once, in order, 2 a page.)
        const everybody = await call(s, "GET", "/users", auth);
        const all = (everybody.json.content as { username: string }[]).map((u) => u.username);
        expect(everybody.json.next_cursor).toBeNull();
        expect(all).toEqual(expect.arrayContaining(names));
        expect(users.map((p) => p.items.length)).toEqual(
          Array.from({ length: Math.ceil(all.length / 2) }, (_, i) => Math.min(2, all.length - 2 * i)),
        );
        expect(users.flatMap((p) => p.items.map((u) => (u as { username: string }).username))).toEqual(all);

        // Rooms: the caller's own (even private, even more of them than the limit) are all on the
        // first page, never left out to make room for public ones; the public ones follow, once each.
        const created = async (token: string, name: string, isPrivate: boolean) =>
          (
            await call(
              s,
              "POST",
              "/create-room",
              { Authorization: token, ...JSON_TYPE },
              JSON.stringify({ name, is_private: isPrivate }),
            )
          ).json.id as number;
        const publicIds = [];
        for (const name of ["p1", "p2", "p3"]) publicIds.push(await created(tokens[1] ?? "", name, false));
        const mine = [await created(tokens[0] ?? "", "mine-a", true), await created(tokens[0] ?? "", "mine-b", true)];
        const rooms = await allPages("/v1/api/chat/rooms?limit=1", "nextCursor");
        const ids = (page: { items: unknown[] }) => page.items.map((r) => (r as { ID: number }).ID);
        expect(ids(rooms[0] ?? { items: [] })).toEqual(expect.arrayContaining(mine));
        const listed = rooms.flatMap(ids);
        expect(listed.sort((a, b) => a - b)).toEqual([...publicIds, ...mine].sort((a, b) => a - b));

        // Bad paging is refused in words, not read as the start of the list.
        const forged = Buffer.from("\u0000").toString("base64url");
        for (const [query, words] of [
          ["limit=0", /limit/],
          ["limit=1001", /limit/],
          ["limit=abc", /limit/],
          ["limit=", /limit/],
          ["cursor=", /cursor/],
          [`cursor=${forged}`, /cursor/],
        ] as const) {
          for (const path of ["/users", "/v1/api/chat/rooms"]) {
            const refused = await call(s, "GET", `${path}?${query}`, auth);
            expect([path, query, refused.status]).toEqual([path, query, 400]);
            expect(refused.json.message).toMatch(words);
          }
        }
      });
    });

    describe("OpenAPI", () => {
      it("serves the document of every seed endpoint at /openapi.json", async () => {
        const s = await fresh();
        const document = await call(s, "GET", "/openapi.json");
        expect(document.status).toBe(200);
        expect(document.json).toMatchObject({ openapi: "3.1.0" });
        expect(Object.keys(document.json.paths as object)).toEqual(
          expect.arrayContaining(["/register", "/login", "/messages/{roomId}", "/v1/api/chat/rooms"]),
        );
      });
    });

    describe("sending over REST (Parley's own)", () => {
      it("stores and answers a member's message once however often it is retried, and refuses everyone else", async () => {
        const s = await fresh();
        const tokens: string[] = [];
        for (const name of ["writer", "stranger"]) {
          await call(s, "POST", "/register", JSON_TYPE, `{"username":"${name}","password":"password"}`);
          tokens.push(
            (await call(s, "PUT", "/login", JSON_TYPE, `{"username":"${name}","password":"password"}`)).json
              .token as string,
          );
        }
        const [writer = "", stranger = ""] = tokens;
        const created = await call(
          s,
          "POST",
          "/create-room",
          { Authorization: writer, ...JSON_TYPE },
          '{"name":"Desk","is_private":true}',
        );
        const roomId = created.json.id as number;
        const send = (token: string, body: string, room = roomId) =>
          call(s, "POST", `/messages/${room}`, { Authorization: token, ...JSON_TYPE }, body);

        const first = await send(writer, '{"text":"hello over curl","client_id":"retry-me-1"}');
        expect(first.status).toBe(201);
        expect(first.json).toMatchObject({
          room_id: roomId,
          username: "writer",
          text: "hello over curl",
          type: "text",
        });
        const retried = await send(writer, '{"Text":"hello over curl","ClientID":"retry-me-1"}');
        expect(retried.status).toBe(201);
        expect(retried.json.id).toBe(first.json.id);

        const refused = await Promise.all([
          send(stranger, '{"text":"let me in"}'),
          send(writer, '{"text":"   "}'),
          send(writer, '{"text":"x"}', 999_999),
          send(writer, "{not json"),
          send("", '{"text":"who am i"}'),
        ]);
        expect(refused.map((r) => r.status)).toEqual([404, 400, 404, 400, 401]);
        expect(refused.every((r) => typeof r.json.message === "string" && r.json.message.length > 0)).toBe(true);

        const history = await call(s, "GET", `/messages/${roomId}?last_id=0`, { Authorization: writer });
        const texts = (history.json as unknown as { text: string; type: string }[]).filter((m) => m.type === "text");
        expect(texts.map((m) => m.text)).toEqual(["hello over curl"]);
      });
    });

    describe("bad input", () => {
      let s: RunningServer;
      let token: string;
      beforeAll(async () => {
        s = await fresh();
        await call(s, "POST", "/register", JSON_TYPE, '{"username":"owner","password":"password"}');
        token = (await call(s, "PUT", "/login", JSON_TYPE, '{"username":"owner","password":"password"}')).json
          .token as string;
        await call(s, "POST", "/create-room", { Authorization: token, ...JSON_TYPE }, '{"name":"Taken"}');
      });

      it("answers in words with the contract's statuses, and stores nothing", async () => {
        const auth = { Authorization: token, ...JSON_TYPE };
        // A message of another room: its id is no cursor for room 1.
        const other = await call(s, "POST", "/create-room", auth, '{"name":"Other"}');
        const elsewhere = await call(s, "POST", `/messages/${other.json.id}`, auth, '{"text":"elsewhere"}');
        const cases: [string, string, Record<string, string>, string | undefined, number, RegExp][] = [
          ["POST", "/register", JSON_TYPE, "{not json", 400, /not valid JSON/],
          ["POST", "/register", JSON_TYPE, '{"username":"x"}', 400, /password/],
          ["POST", "/register", JSON_TYPE, '{"username":42,"password":"password"}', 400, /username/],
          ["POST", "/register", JSON_TYPE, "[1,2]", 400, /JSON object/],
          ["POST", "/register", JSON_TYPE, '{"username":"OWNER","password":"password"}', 409, /taken/],
          [
            "POST",
            "/register",
            JSON_TYPE,
            JSON.stringify({ username: "big", password: "x".repeat(70_000) }),
            413,
            /too large: at most 65536 bytes/,
          ],
          ["PUT", "/login", JSON_TYPE, '{"password":"password"}', 400, /email or a username/],
          ["PUT", "/login", JSON_TYPE, '{"username":"owner","password":"wrong"}', 401, /wrong/],
          ["GET", "/profile", {}, undefined, 401, /sign in/],
          ["GET", "/profile/abc", {}, undefined, 400, /number/],
          ["GET", "/profile/999", {}, undefined, 404, /not found/],
          ["POST", "/create-room", auth, '{"name":"taken"}', 409, /already exists/],
          ["POST", "/create-room", auth, '{"name":""}', 400, /name/],
          ["POST", "/create-room", auth, '{"name":"ok","is_private":"yes"}', 400, /isprivate/],
          ["PUT", "/join", auth, '{"room_id":"abc"}', 400, /roomid/],
          ["PUT", "/join", auth, '{"room_id":999}', 404, /room was not found/],
          ["PUT", "/invite", auth, '{"room_id":1,"user_id":999}', 404, /user was not found/],
          ["GET", "/room/999", {}, undefined, 404, /room was not found/],
          ["GET", "/messages/999", { Authorization: token }, undefined, 404, /room was not found/],
          ["GET", "/messages/1", { Authorization: token }, '{"LastID":"x"}', 400, /lastid/],
          ["DELETE", "/register", {}, undefined, 404, /nothing is served/],
          ["POST", "/create-room", auth, '{"__proto__":{"name":"sneaky"}}', 400, /name/],
          ["POST", "/create-room", auth, '{"constructor":{"name":"sneaky"}}', 400, /name/],
          ["POST", "/create-room", auth, '{"name":"a\\u0000b"}', 400, /NUL/],
          ["POST", "/messages/1", auth, '{"text":"\\ud800 half"}', 400, /surrogate/],
          ["POST", "/messages/1", auth, '{"text":"a\\u0000b"}', 400, /NUL/],
          ["POST", "/messages/1", auth, JSON.stringify({ text: "x".repeat(4001) }), 400, /4000/],
          ["POST", "/messages/1", auth, '{"text":42}', 400, /string/],
          ["POST", "/messages/1", auth, '{"__proto__":{"text":"sneaky"}}', 400, /text/],
          ["POST", "/messages/1", auth, "hello", 400, /not valid JSON/],
          // Ids beyond any row's, and forged LastID cursors.
          ["GET", "/messages/99999999999", { Authorization: token }, undefined, 400, /at most/],
          ["GET", "/profile/99999999999", {}, undefined, 400, /at most/],
          ["PUT", "/join", auth, '{"room_id":99999999999}', 400, /at most/],
          ["PUT", "/invite", auth, '{"room_id":1,"user_id":99999999999}', 400, /at most/],
          ["GET", "/messages/1?last_id=-1", { Authorization: token }, undefined, 400, /lastid/],
          ["GET", "/messages/1?last_id=99999999999999999999", { Authorization: token }, undefined, 400, /lastid/],
          ["GET", "/messages/1?last_id=abc", { Authorization: token }, undefined, 400, /lastid/],
          ["GET", "/messages/1", { Authorization: token }, '{"LastID":-5}', 400, /lastid/],
          ["GET", `/messages/1?last_id=${elsewhere.json.id}`, { Authorization: token }, undefined, 404, /not found/],
        ];
        const before = (await call(s, "GET", "/v1/api/chat/rooms", { Authorization: token })).text;
        for (const [method, path, headers, body, status, words] of cases) {
          const response = await call(s, method, path, headers, body);
          expect(response.status, `${method} ${path} ${body ?? ""}`.slice(0, 80)).toBe(status);
          expect(response.json?.message, `${method} ${path} ${response.text}`).toMatch(words);
        }
        expect((await call(s, "GET", "/v1/api/chat/rooms", { Authorization: token })).text).toBe(before);
        const users = await call(s, "GET", "/users", { Authorization: token });
        expect((users.json.content as unknown[]).length).toBe(1);
        expect((await call(s, "GET", "/messages/1?last_id=0", { Authorization: token })).json).toEqual([]);
      });
    });
  });
}
