import type { IncomingMessage } from "node:http";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { clientAddressOf, type TrustProxy } from "../client-address";
import { tokenFromAuthorization } from "../context";
import type { Actor, Deps } from "../deps";
import { AppError, publicError, tooLargeWords } from "../errors";
import { RateLimited } from "../limits";
import type { Logger } from "../logger";
import { apiDocument } from "../openapi";
import type { Page } from "../schemas";
import * as auth from "../services/auth";
import * as invites from "../services/invites";
import * as messages from "../services/messages";
import { collectPages } from "../services/output";
import * as profile from "../services/profile";
import * as rooms from "../services/rooms";
import * as users from "../services/users";
import {
  ChatCreateBody,
  CreateRoomBody,
  InviteBody,
  ListQuery,
  LoginBody,
  MAX_LISTED,
  MessagesBody,
  RegisterBody,
  RenameBody,
  RoomBody,
  SendBody,
  SignupBody,
} from "./bodies";
import { normalizeKeys, SeedId } from "./fields";
import {
  chatRoomOf,
  profileOf,
  publicProfileOf,
  roomInfoOf,
  type SeedMessage,
  seedMessageOf,
  seedUserOf,
} from "./shapes";

/** The largest request body a seed endpoint accepts. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The seed servers' REST endpoints, at their paths, over the same services as tRPC: this file
 * only reads requests in the seeds' shapes and answers in theirs (see docs/compatibility.md).
 */
export function createCompatRest(deps: Deps, log: Logger, options: { trustProxy?: TrustProxy } = {}) {
  const app = new Hono();
  const trustProxy = options.trustProxy ?? (() => false);

  app.onError((error, c) => {
    const { status, message, ours } = publicError(error);
    if (ours) log.error({ err: error, path: c.req.path }, "seed REST request failed");
    if (error instanceof RateLimited) c.header("Retry-After", String(error.retryAfterSeconds));
    return fail(c, status, message);
  });
  /** Where the request came from (the raw Node request that @hono/node-server hands over). */
  const clientOf = (c: Context): auth.Client => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    return { address: incoming ? clientAddressOf(incoming, trustProxy) : null };
  };
  app.notFound((c) => fail(c, 404, `nothing is served at ${c.req.method} ${c.req.path}`));
  app.get("/openapi.json", (c) => c.json(apiDocument()));

  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => fail(c, 413, tooLargeWords("the request body", MAX_BODY_BYTES)),
    }),
  );

  const body = async <T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> => {
    const text = c.req.method === "GET" ? await getBody(c) : await c.req.text();
    let json: unknown = {};
    if (text.trim()) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new AppError("BAD_INPUT", "the request body is not valid JSON");
      }
    }
    return schema.parse(normalizeKeys(json));
  };
  const actorOf = async (c: Context): Promise<Actor> => {
    const token = tokenFromAuthorization(c.req.header("authorization"));
    if (!token) throw new AppError("UNAUTHENTICATED", "sign in first: send your token in the Authorization header");
    return auth.assertPasswordChosen(await auth.authenticate(deps, token));
  };
  const optionalActor = async (c: Context): Promise<Actor | null> =>
    tokenFromAuthorization(c.req.header("authorization")) ? actorOf(c) : null;

  // Seeds 000, 001, 003, 004: register, then log in with the e-mail or the username.
  app.post("/register", async (c) => {
    const input = await body(c, RegisterBody);
    const session = await auth.register(deps, { ...input, displayName: input.name }, clientOf(c));
    const user = session.user;
    return c.json({
      ...profileOf(user),
      token: session.token,
      code: "200",
      message: `welcome ${user.displayName ?? user.username}`,
      content: { token: session.token },
    });
  });
  const login = async (c: Context) => {
    const session = await auth.login(deps, await body(c, LoginBody), clientOf(c));
    return c.json({ token: session.token, code: "200", message: "", content: { token: session.token } });
  };
  app.put("/login", login);
  app.post("/login", login);

  app.post("/logout", async (c) => {
    await auth.logout(deps, await actorOf(c));
    return c.json({ code: "200", message: "logged out: this token no longer works anywhere" });
  });

  app.get("/profile", async (c) => c.json(profileOf(await auth.me(deps, await actorOf(c)))));
  app.get("/profile/:uid", async (c) => {
    const uid = SeedId.parse(c.req.param("uid"));
    return c.json(publicProfileOf(await profile.getPublicProfile(deps, uid)));
  });
  app.put("/change-name", async (c) => {
    const { username } = await body(c, RenameBody);
    return c.json(profileOf(await profile.rename(deps, await actorOf(c), username)));
  });

  /**
   * A seed list's page, read from `?limit=` and `?cursor=`: when more follow, the answer says so
   * with a `Link: <…?cursor=…>; rel="next"` header (RFC 8288) and `X-Next-Cursor`, beside the
   * body's own cursor field; a list never stops silently.
   */
  const listPage = async <T>(
    c: Context,
    read: (query: { limit: number; cursor: string | undefined }) => Promise<Page<T>>,
  ): Promise<Page<T>> => {
    const query = ListQuery.parse({ limit: c.req.query("limit"), cursor: c.req.query("cursor") });
    const limit = query.limit ?? MAX_LISTED;
    const page = await read({ limit, cursor: query.cursor });
    if (page.nextCursor) {
      const next = new URLSearchParams({ cursor: page.nextCursor });
      if (query.limit) next.set("limit", String(query.limit));
      c.header("Link", `<${c.req.path}?${next}>; rel="next"`);
      c.header("X-Next-Cursor", page.nextCursor);
    }
    return page;
  };

  // Seed 004: everybody, by name and username, a page at a time.
  app.get("/users", async (c) => {
    await actorOf(c);
    const page = await listPage(c, ({ limit, cursor }) =>
      collectPages((after, size) => users.listUsers(deps, { limit: size, cursor: after }), limit, cursor),
    );
    const content = page.items.map((u) => ({ name: u.displayName ?? u.username, username: u.username }));
    return c.json({ code: "200", message: "", content, next_cursor: page.nextCursor });
  });

  app.post("/create-room", async (c) => {
    const input = await body(c, CreateRoomBody);
    const room = await rooms.createRoom(deps, await actorOf(c), { name: input.name, isPrivate: input.isprivate });
    return c.json(roomInfoOf(room));
  });
  app.put("/join", async (c) => {
    const { roomid } = await body(c, RoomBody);
    const room = await rooms.joinRoom(deps, await actorOf(c), roomid);
    return c.json({ ...roomInfoOf(room), message: `joined room ${room.id}` });
  });
  app.put("/invite", async (c) => {
    const { roomid, userid } = await body(c, InviteBody);
    const member = await invites.invite(deps, await actorOf(c), { roomId: roomid, user: { userId: userid } });
    return c.json({
      room_id: roomid,
      user_id: member.user.id,
      message: `${member.user.username} is in room ${roomid}`,
    });
  });
  app.get("/rooms", async (c) => c.json((await rooms.listMyRooms(deps, await actorOf(c))).map((r) => r.id)));
  app.get("/room/:id", async (c) => {
    const id = SeedId.parse(c.req.param("id"));
    return c.json(roomInfoOf(await rooms.getRoom(deps, await optionalActor(c), id)));
  });

  // Seed 001: 100 messages older than LastID (a message id), newest first; LastID 0: the newest.
  app.get("/messages/:roomId", async (c) => {
    const roomId = SeedId.parse(c.req.param("roomId"));
    const fromQuery = c.req.query("last_id") ?? c.req.query("LastID") ?? c.req.query("lastId");
    const { lastid } =
      fromQuery !== undefined ? MessagesBody.parse({ lastid: fromQuery }) : await body(c, MessagesBody);
    const page = await messages.getHistoryBeforeMessage(deps, await actorOf(c), { roomId, beforeMessageId: lastid });
    // Deleted messages are left out by the service (seed clients know no tombstones).
    return c.json(page.items.map(seedMessageOf) satisfies SeedMessage[]);
  });

  // Parley's own: the seeds sent messages over WebSocket only; curl users can send here too.
  app.post("/messages/:roomId", async (c) => {
    const roomId = SeedId.parse(c.req.param("roomId"));
    const { text, clientid } = await body(c, SendBody);
    const sent = await messages.sendMessage(deps, await actorOf(c), { roomId, text, clientId: clientid });
    return c.json(seedMessageOf(sent) satisfies SeedMessage, 201);
  });

  // Seed 002, under /v1/api.
  app.post("/v1/api/auth/signup", async (c) => {
    const input = await body(c, SignupBody);
    const session = await auth.register(deps, input, clientOf(c));
    return c.json({ user: seedUserOf(session.user), token: session.token });
  });
  app.post("/v1/api/auth/login", async (c) => {
    const session = await auth.login(deps, await body(c, LoginBody), clientOf(c));
    return c.json({ user: seedUserOf(session.user), token: session.token });
  });
  app.post("/v1/api/chat/create", async (c) => {
    const { name } = await body(c, ChatCreateBody);
    return c.json({ chatRoom: chatRoomOf(await rooms.createRoom(deps, await actorOf(c), { name, isPrivate: false })) });
  });
  app.get("/v1/api/chat/rooms", async (c) => {
    const actor = await actorOf(c);
    const page = await listPage(c, ({ limit, cursor }) => rooms.listVisibleRooms(deps, actor, limit, cursor));
    return c.json({ chatRooms: page.items.map(chatRoomOf), nextCursor: page.nextCursor });
  });

  return app;
}

/**
 * Seed 001 sends a JSON body with GET (`curl -d`). Fetch's Request drops it, so in Node it is read
 * from the raw request that @hono/node-server hands over as `env.incoming`.
 */
async function getBody(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: AsyncIterable<Buffer> } | undefined)?.incoming;
  if (!incoming) return "";
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AppError("TOO_LARGE", tooLargeWords("the request body", MAX_BODY_BYTES));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Every seed error: the status, and what was wrong in words, under the keys the seeds' clients read. */
function fail(c: Context, status: number, message: string) {
  return c.json({ code: String(status), message, error: message }, status as 400);
}
