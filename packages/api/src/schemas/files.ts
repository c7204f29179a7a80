import { z } from "zod";
import { Id, IsoDate } from "./common";

/** The most files one message can carry. */
export const MAX_FILES_PER_MESSAGE = 10;

/** A file's id: a random UUID (v4), as `files.id` stores it. */
export const FileId = z.uuid({ error: "fileId must be a file id this server gave out (a UUID)" });

/**
 * A file as it leaves the server: in `MessageOut.files`, and as the answer of an upload
 * (`POST /files?roomId=<id>&name=<file name>`, the raw bytes as the body; 201).
 *
 * `url` and `thumbnailUrl` are stable paths on the server that answered (`/files/<id>` and
 * `/files/<id>/thumbnail`): each request is checked (the caller, by `Authorization: Bearer` or the
 * web session cookie, must be able to read the file's room now) and answered with a redirect to a
 * short-lived signed link (S3 presigned, or Parley's own signed link on disk). Errors: 401 without a
 * session, 404 for a file the caller may not read (as for one that does not exist).
 */
export const FileOut = z.object({
  id: z.string(),
  /** The room it was shared in. */
  roomId: Id,
  /** The name it was uploaded under. */
  name: z.string(),
  /** Bytes. */
  size: z.number().int().min(0),
  /** The type its content shows (file-type), never the one claimed by its name or the client. */
  contentType: z.string(),
  /** "image": shown inline from its thumbnail, opened in a lightbox; "file": a card with name, size and type. */
  kind: z.enum(["image", "file"]),
  /** An image's size in pixels as displayed; null for other files. */
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  /** The original (a download: `Content-Disposition: attachment`, except images shown inline). */
  url: z.string(),
  /** An image's thumbnail (WebP, at most 400 pixels on its longer side); null for other files. */
  thumbnailUrl: z.string().nullable(),
  createdAt: IsoDate,
});
export type FileOut = z.infer<typeof FileOut>;

export const FileRef = z.object({ fileId: FileId });
export type FileRef = z.infer<typeof FileRef>;
