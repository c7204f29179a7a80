import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type Actor,
  AppError,
  assertPasswordChosen,
  authenticate,
  type Deps,
  type Logger,
  RateLimited,
} from "@parley/api";
import { publicError } from "@parley/api/errors";
import { files } from "@parley/api/services";
import { z } from "zod";
import { sendJson } from "./send-json";

/**
 * Shared files over plain HTTP, on both processes (see services/files.ts for the rules):
 *
 * - `POST /files?roomId=<id>&name=<file name>`: the file's bytes as the body (any
 *   `Content-Type`); 201 with its `FileOut`. 413 over UPLOAD_MAX_BYTES (at once when
 *   `Content-Length` says so), 415 when the content is not what its name says, 404 for a room the
 *   caller is not a member of.
 * - `GET /files/<id>` and `GET /files/<id>/thumbnail`: 302 to a short-lived signed link (S3
 *   presigned, or the one below); 404 for a file the caller may not read. `?download`: served as
 *   an attachment even when it is an image (S3; on disk the link is this origin's, and the
 *   browser's `<a download>` does it).
 * - `GET /files/<id>/content?v=&u=&exp=&sig=`: the disk store's signed link; needs no session (the
 *   link names its user, whose access is checked again); 403 forged or expired.
 *
 * The caller is authenticated by `Authorization: Bearer <token>` or, in the web process, the
 * session cookie. Errors are `{ "error": "<words>" }` with their status.
 */

/** `/files`, `/files/<id>`, `/files/<id>/thumbnail`, `/files/<id>/content`. */
const FILE_PATH = /^\/files(?:\/([^/]+)(?:\/(thumbnail|content))?)?$/;

export const isFilesPath = (path: string) => FILE_PATH.test(path);

const UploadQuery = z.object({
  roomId: z.coerce
    .number({ error: "roomId must be a room's id" })
    .int("roomId must be a room's id")
    .positive("roomId must be a room's id")
    .max(2_147_483_647, "roomId must be a room's id"),
  name: z.string().nullable(),
});

export interface FilesHandlerOptions {
  /** The caller's token where there is no `Authorization` header (the web session cookie). */
  sessionToken?: (req: IncomingMessage) => Promise<string | null>;
  tokenOf: (req: IncomingMessage) => string | null;
}

export function createFilesHandler(deps: Deps, log: Logger, options: FilesHandlerOptions) {
  const actorOf = async (req: IncomingMessage): Promise<Actor> => {
    const token = options.tokenOf(req) ?? (await options.sessionToken?.(req)) ?? null;
    if (!token) throw new AppError("UNAUTHENTICATED", "sign in first: send Authorization: Bearer <token>");
    return assertPasswordChosen(await authenticate(deps, token));
  };

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL) {
    // The body reaches the service through a pipe the handler can cut: on a refusal the answer is
    // still sent on the request's socket, and the rest of the body is discarded, not stored.
    const body = new PassThrough();
    // A body cut off while the service still checks the caller (before it reads) destroys the pipe
    // with an error nobody is reading yet: unheard, that error would end the process. The service's
    // read rethrows it.
    body.on("error", () => {});
    try {
      const actor = await actorOf(req);
      const query = UploadQuery.parse({ roomId: url.searchParams.get("roomId"), name: url.searchParams.get("name") });
      const length = req.headers["content-length"];
      req.pipe(body);
      req.on("close", () => {
        if (!req.complete) body.destroy(new AppError("BAD_INPUT", "the upload was cut off before its end"));
      });
      const file = await files.uploadFile(
        deps,
        actor,
        { roomId: query.roomId, name: query.name, declaredBytes: length === undefined ? undefined : Number(length) },
        body,
      );
      sendJson(res, 201, file);
    } catch (error) {
      req.unpipe(body);
      body.destroy();
      // Whatever the client still sends (refused before or after its first byte) is read and
      // dropped, and the connection closed after the answer.
      res.setHeader("connection", "close");
      req.resume();
      throw error;
    }
  }

  async function download(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    variant: "original" | "thumbnail",
    url: URL,
  ) {
    const actor = await actorOf(req);
    // `?download`: a download even for an image (the web lightbox's Download, across to S3).
    const attachment = url.searchParams.has("download");
    const location = await files.downloadLink(deps, actor, id, variant, { attachment });
    res
      .writeHead(302, {
        location,
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
        "content-length": "0",
      })
      .end();
  }

  async function content(req: IncomingMessage, res: ServerResponse, id: string, url: URL) {
    const opened = await files.openSignedLink(deps, id, url.searchParams);
    res.writeHead(200, opened.headers);
    if (req.method === "HEAD") {
      opened.stream.destroy();
      return void res.end();
    }
    await pipeline(opened.stream, res).catch(() => {
      // The client went away mid-download: nothing to answer.
    });
  }

  return async function handleFiles(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://parley.invalid");
    const [, id, part] = FILE_PATH.exec(url.pathname) ?? [];
    try {
      if (id === undefined) {
        if (req.method !== "POST") return methodNotAllowed(res, "POST");
        return await upload(req, res, url);
      }
      if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed(res, "GET, HEAD");
      if (part === "content") return await content(req, res, id, url);
      return await download(req, res, id, part === "thumbnail" ? "thumbnail" : "original", url);
    } catch (error) {
      const { status, message, ours } = publicError(error);
      if (ours) throw error;
      // A client's mistake: worth a line, not a stack.
      log.info({ status, path: url.pathname, reason: message }, "file request refused");
      if (error instanceof RateLimited) res.setHeader("retry-after", String(error.retryAfterSeconds));
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.destroy();
    }
  };
}

function methodNotAllowed(res: ServerResponse, allowed: string) {
  res.setHeader("allow", allowed);
  sendJson(res, 405, { error: `use ${allowed} here` });
}
