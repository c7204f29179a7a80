import { z } from "zod";
import {
  ChatCreateBody,
  CreateRoomBody,
  InviteBody,
  LoginBody,
  MAX_LISTED,
  MessagesBody,
  RegisterBody,
  RenameBody,
  RoomBody,
  SendBody,
  SignupBody,
} from "./bodies";

/** How the seeds spell the fields that requests may spell any way (see `normalizeKeys`). */
const SEED_SPELLING: Record<string, string> = {
  isprivate: "is_private",
  roomid: "room_id",
  userid: "user_id",
  lastid: "LastID",
  clientid: "client_id",
};

type JsonSchema = { properties?: Record<string, unknown>; required?: string[]; [key: string]: unknown };

/** A request body's JSON Schema, from its zod schema, with the seeds' spelling of each field. */
function bodySchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const spell = (key: string) => SEED_SPELLING[key] ?? key;
  return {
    ...json,
    ...(json.properties && {
      properties: Object.fromEntries(Object.entries(json.properties).map(([k, v]) => [spell(k), v])),
    }),
    ...(json.required && { required: json.required.map(spell) }),
  };
}

interface Endpoint {
  method: "get" | "post" | "put";
  path: string;
  /** The seeds that have it; none for Parley's own additions. */
  seeds?: string;
  summary: string;
  /** Answers 201 Created instead of 200. */
  creates?: boolean;
  body?: z.ZodType;
  auth?: "required" | "optional";
  /** Read a page at a time with `?limit=` and `?cursor=` (see `ListQuery`). */
  paged?: boolean;
}

/** The query parameters of a paged list, and how an answer says that more follow. */
const PAGING = [
  {
    name: "limit",
    in: "query",
    schema: { type: "integer", minimum: 1, maximum: MAX_LISTED, default: MAX_LISTED },
    description: "How many items at most",
  },
  {
    name: "cursor",
    in: "query",
    schema: { type: "string" },
    description: "Where the previous page ended: its next cursor, as given",
  },
];

/** Every seed endpoint: the one list that the document (and its test against the routes) is made from. */
export const SEED_ENDPOINTS: Endpoint[] = [
  { method: "post", path: "/register", seeds: "000 001 003 004", summary: "Create a user", body: RegisterBody },
  {
    method: "put",
    path: "/login",
    seeds: "000 001",
    summary: "Log in with e-mail or username: a JWT",
    body: LoginBody,
  },
  {
    method: "post",
    path: "/login",
    seeds: "003 004",
    summary: "Log in with e-mail or username: a JWT",
    body: LoginBody,
  },
  { method: "post", path: "/logout", seeds: "003", summary: "Revoke this token everywhere", auth: "required" },
  { method: "get", path: "/profile", seeds: "000 001 003", summary: "Own profile", auth: "required" },
  { method: "get", path: "/profile/{uid}", seeds: "001", summary: "A user's public profile (no e-mail)" },
  {
    method: "put",
    path: "/change-name",
    seeds: "000 001",
    summary: "Rename (username, or NewName)",
    body: RenameBody,
    auth: "required",
  },
  {
    method: "get",
    path: "/users",
    seeds: "004",
    summary: "All users (name, username), a page at a time: {content, next_cursor}",
    auth: "required",
    paged: true,
  },
  {
    method: "post",
    path: "/create-room",
    seeds: "000 001",
    summary: "Create a room; the creator owns it",
    body: CreateRoomBody,
    auth: "required",
  },
  {
    method: "put",
    path: "/join",
    seeds: "000 001",
    summary: "Join a public room (a private one only when invited)",
    body: RoomBody,
    auth: "required",
  },
  {
    method: "put",
    path: "/invite",
    seeds: "000 001",
    summary: "The room's creator adds a user",
    body: InviteBody,
    auth: "required",
  },
  { method: "get", path: "/rooms", seeds: "001", summary: "The ids of the caller's rooms", auth: "required" },
  {
    method: "get",
    path: "/room/{id}",
    seeds: "001",
    summary: "Room info (private rooms: members only)",
    auth: "optional",
  },
  {
    method: "get",
    path: "/messages/{roomId}",
    seeds: "001",
    summary: "Up to 100 messages older than LastID (JSON body or ?last_id=), newest first; 0: the newest",
    body: MessagesBody,
    auth: "required",
  },
  {
    method: "post",
    path: "/messages/{roomId}",
    summary:
      "Send a message to a room the caller is a member of: the stored message, as history lists it. A retry with the same client_id stores nothing twice",
    body: SendBody,
    auth: "required",
    creates: true,
  },
  {
    method: "post",
    path: "/v1/api/auth/signup",
    seeds: "002",
    summary: "Create a user: {user, token}",
    body: SignupBody,
  },
  { method: "post", path: "/v1/api/auth/login", seeds: "002", summary: "Log in: {user, token}", body: LoginBody },
  {
    method: "post",
    path: "/v1/api/chat/create",
    seeds: "002",
    summary: "Create a chat room: {chatRoom}",
    body: ChatCreateBody,
    auth: "required",
  },
  {
    method: "get",
    path: "/v1/api/chat/rooms",
    seeds: "002",
    summary: "The caller's rooms and the public ones, a page at a time: {chatRooms, nextCursor}",
    auth: "required",
    paged: true,
  },
];

const ErrorBody = {
  type: "object",
  properties: { code: { type: "string", example: "400" }, message: { type: "string" }, error: { type: "string" } },
  required: ["code", "message", "error"],
};

let cached: unknown;
/** The OpenAPI 3.1 document of the seed REST endpoints, made once from their zod schemas. */
export function openApiDocument(): unknown {
  cached ??= {
    openapi: "3.1.0",
    info: {
      title: "Parley: the seed servers' REST API",
      version: "1",
      description:
        "Request keys are matched case-insensitively with '_' ignored (room_id, RoomID, roomId); NewName is an alias of username and UID of user_id. Tokens: 'Authorization: Bearer <jwt>' or a bare 'Authorization: <jwt>'.",
    },
    components: {
      securitySchemes: { token: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Error: ErrorBody },
    },
    paths: Object.fromEntries(
      [...new Set(SEED_ENDPOINTS.map((e) => e.path))].map((path) => [
        path,
        Object.fromEntries(
          SEED_ENDPOINTS.filter((e) => e.path === path).map((e) => [
            e.method,
            {
              summary: e.summary,
              description: e.seeds ? `Seeds ${e.seeds}.` : "Parley's own: none of the seeds has it.",
              ...(e.auth && { security: e.auth === "required" ? [{ token: [] }] : [{}, { token: [] }] }),
              ...((e.paged || e.path.includes("{")) && {
                parameters: [
                  ...[...e.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
                    name,
                    in: "path",
                    required: true,
                    schema: { type: "integer", minimum: 1 },
                  })),
                  ...(e.paged ? PAGING : []),
                ],
              }),
              ...(e.body && {
                requestBody: {
                  required: e.method !== "get",
                  content: { "application/json": { schema: bodySchema(e.body) } },
                },
              }),
              responses: {
                [e.creates ? 201 : 200]: {
                  description: "Done: the union of the fields the seeds document (see the README)",
                  ...(e.paged && {
                    headers: {
                      Link: {
                        description: 'When more follow: <the next page>; rel="next"',
                        schema: { type: "string" },
                      },
                      "X-Next-Cursor": {
                        description: "When more follow: the next page's cursor",
                        schema: { type: "string" },
                      },
                    },
                  }),
                },
                default: {
                  description: "400, 401, 403, 404, 409 or 413, with what was wrong in words",
                  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
                },
              },
            },
          ]),
        ),
      ]),
    ),
  };
  return cached;
}
