import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { type Database, type StoredFile, schema, type Transaction } from "@parley/db";
import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { fileTypeFromFile, supportedExtensions } from "file-type";
import sharp from "sharp";
import type { Actor, Deps } from "../deps";
import { AppError, notFound } from "../errors";
import type { FileOut } from "../schemas";
import { type FileVariant, signFileLink, verifyFileLink } from "./file-links";
import { fileOutOf, isInlineImage } from "./output";
import { accessRoom } from "./room-access";

/**
 * Shared files: uploads (checked by content, images cleaned and thumbnailed), attaching them to a
 * message, who may download them, and the sweeper that removes what nobody can reach any more.
 *
 * A file is uploaded to a room first (`uploadFile`: pending, its `message_id` null, readable by
 * its uploader only) and becomes part of the room's history when a message is sent with it
 * (`attachFiles`, in the sending transaction). From then on whoever may read the room's history
 * may read it, until the message is deleted (its files are marked deleted in the same
 * transaction). Every download is checked again: leaving the room ends access at once.
 */

const { files, messages, roomMembers } = schema;

/**
 * Images cleaned (EXIF gone), measured and thumbnailed with sharp: the raster images browsers show
 * inline (`isInlineImage`), and TIFF (thumbnailed, but always downloaded).
 */
const IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/tiff"]);
/**
 * Image types that carry no metadata worth removing (no EXIF or location): stored as they came, as
 * files. Every other image type sharp cannot rewrite (HEIC, JPEG XL, JPEG 2000, camera raw, PSD,
 * APNG, …) is refused, since its EXIF, location included, could not be taken out.
 */
const PLAIN_IMAGES = new Set(["image/bmp", "image/x-icon", "image/vnd.microsoft.icon"]);
/**
 * The most pixels an image may have (50 megapixels, about 200 MB decoded): sharp refuses bigger
 * ones before decoding them, so a small file that claims a huge image (a decompression bomb) costs
 * nothing. Camera photos are 12 to 50 megapixels.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** A thumbnail's longer side, in pixels (WebP). */
export const THUMBNAIL_MAX_PIXELS = 400;
/** Pending uploads never sent are removed after this long, in milliseconds (1 hour). */
export const PENDING_FILE_TTL_MS = 60 * 60 * 1000;

const fileNotFound = (id: string) => new AppError("NOT_FOUND", `file ${id} was not found`);
const tooLarge = (max: number) =>
  new AppError(
    "TOO_LARGE",
    `the file is too large: at most ${max} bytes (${formatBytes(max)}, UPLOAD_MAX_BYTES) are accepted`,
  );

/** "25 MiB", "512 KiB", "100 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2) return `${+(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** Where a file's bytes are in the store: never derived from anything the client chose. */
const storageKeyOf = (id: string) => `${id.slice(0, 2)}/${id}`;

/**
 * The `Content-Disposition` a download is served with: `inline` for raster images, `attachment`
 * for everything else, with the name as RFC 6266 has it (`filename*=UTF-8''…`, RFC 5987 / 8187
 * percent-encoding, and a plain ASCII `filename` beside it for old clients).
 */
export function contentDisposition(contentType: string, name: string, variant: FileVariant = "original"): string {
  const type = variant === "thumbnail" || isInlineImage(contentType) ? "inline" : "attachment";
  const shown = variant === "thumbnail" ? `${name.replace(/\.[^.]*$/, "")}.thumbnail.webp` : name;
  const ascii = shown.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(shown).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** An uploaded file's name as stored: NFC, without any path, without control characters, 1 to 255 characters. */
export function cleanFileName(given: string | null): string {
  const name = (given ?? "")
    .normalize("NFC")
    .split(/[/\\]/)
    .at(-1)
    ?.replace(/\p{Cc}|\p{Cf}/gu, "")
    .trim();
  if (!name || name === "." || name === "..") {
    throw new AppError("BAD_INPUT", "name: give the file's name, as in POST /files?roomId=1&name=photo.jpg");
  }
  if ([...name].length > schema.FILE_NAME_MAX) {
    throw new AppError("BAD_INPUT", `name: a file name may be at most ${schema.FILE_NAME_MAX} characters`);
  }
  return name;
}

/** Extensions that name the same kind of content, as file-type tells them apart. */
const SAME_KIND: string[][] = [
  ["jpg", "jpeg", "jpe", "jfif"],
  ["tif", "tiff"],
  ["mp4", "m4v", "m4a", "m4b", "m4p", "mov", "qt", "3gp", "3g2", "f4v", "f4a", "f4b", "f4p", "heic", "heif", "avif"],
  ["zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "odg", "epub", "jar", "apk", "xpi", "vsix", "ipa"],
  ["ogg", "oga", "ogv", "ogx", "opus", "ogm", "spx"],
  ["mkv", "webm", "mka", "mks"],
  ["html", "htm", "xhtml"],
  ["gz", "tgz"],
];
/**
 * Extensions file-type knows that also name text it cannot recognise: XML without its `<?xml`
 * declaration, and `.mts`, both an MPEG transport stream and a TypeScript module. Content file-type
 * does not recognise is accepted under these names (as `application/octet-stream`).
 */
const TEXT_TOO = new Set(["xml", "mts"]);
const KNOWN = new Set<string>([...supportedExtensions].filter((ext) => !TEXT_TOO.has(ext)));
const sameKind = (a: string, b: string) => a === b || SAME_KIND.some((kind) => kind.includes(a) && kind.includes(b));

/**
 * The type of a file by its content (file-type: magic numbers), checked against its name: a name
 * whose extension file-type knows (`.png`, `.pdf`, `.zip`, …) must hold that kind of content, or
 * the upload is refused (UNSUPPORTED) rather than stored under a type it lies about. Content
 * file-type cannot tell (plain text, CSV, SVG, HTML) is `application/octet-stream`: always a
 * download, never shown or run by the browser.
 */
async function detectType(file: string, name: string): Promise<{ mime: string; ext: string | null }> {
  const detected = await fileTypeFromFile(file);
  const claimed = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const mustMatch = claimed !== undefined && (KNOWN.has(claimed) || (TEXT_TOO.has(claimed) && detected !== undefined));
  if (claimed && mustMatch && !(detected && sameKind(claimed, detected.ext))) {
    throw new AppError(
      "UNSUPPORTED",
      detected
        ? `the file is named .${claimed} but its content is ${detected.ext.toUpperCase()}: rename it or send the real file`
        : `the file is named .${claimed} but its content is not ${claimed.toUpperCase()}: rename it or send the real file`,
    );
  }
  return detected ? { mime: detected.mime, ext: detected.ext } : { mime: "application/octet-stream", ext: null };
}

interface Prepared {
  /** Local files to store, by the key each goes under; removed by the caller whatever happens. */
  original: string;
  thumbnail: string | null;
  width: number | null;
  height: number | null;
}

/**
 * An image rewritten without its metadata (EXIF, GPS, XMP, comments: sharp writes none unless
 * asked), turned upright by its EXIF orientation first, in its own format; plus its WebP thumbnail
 * (at most THUMBNAIL_MAX_PIXELS on its longer side) and its size as displayed. Animated GIF and
 * WebP keep their frames. Refuses images over MAX_IMAGE_PIXELS and content sharp cannot read.
 */
async function cleanImage(source: string, mime: string, tempDir: string): Promise<Prepared> {
  const animated = mime === "image/gif" || mime === "image/webp";
  const input = () => sharp(source, { limitInputPixels: MAX_IMAGE_PIXELS, animated, failOn: "error" });
  const cleaned = path.join(tempDir, `${randomUUID()}.clean`);
  const thumbnail = path.join(tempDir, `${randomUUID()}.thumbnail`);
  try {
    const image = input().rotate();
    const encoded =
      mime === "image/jpeg"
        ? image.jpeg({ quality: 90, mozjpeg: true })
        : mime === "image/png"
          ? image.png()
          : mime === "image/gif"
            ? image.gif()
            : mime === "image/webp"
              ? image.webp({ quality: 90 })
              : mime === "image/avif"
                ? image.avif({ quality: 70 })
                : image.tiff();
    const info = await encoded.toFile(cleaned);
    const height = (info as { pageHeight?: number }).pageHeight ?? info.height;
    await sharp(cleaned, { limitInputPixels: MAX_IMAGE_PIXELS })
      .resize(THUMBNAIL_MAX_PIXELS, THUMBNAIL_MAX_PIXELS, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: 80 })
      .toFile(thumbnail);
    return { original: cleaned, thumbnail, width: info.width, height };
  } catch (error) {
    await Promise.all([rm(cleaned, { force: true }), rm(thumbnail, { force: true })]);
    const words = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(words)) {
      throw new AppError("TOO_LARGE", `the image has more than ${MAX_IMAGE_PIXELS / 1_000_000} megapixels`);
    }
    throw new AppError("UNSUPPORTED", `the image could not be read (${words.split("\n")[0]})`);
  }
}

/**
 * Reads an upload's body into a new file under the temp directory, counting bytes: past
 * `maxBytes` it stops at once (TOO_LARGE) and keeps nothing. Answers the file and its size.
 */
async function receive(body: Readable, tempDir: string, maxBytes: number): Promise<{ file: string; size: number }> {
  const file = path.join(tempDir, `${randomUUID()}.part`);
  await mkdir(tempDir, { recursive: true });
  const out = await open(file, "wx", 0o600);
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      await out.write(chunk);
    }
  } catch (error) {
    await out.close().catch(() => {});
    await rm(file, { force: true });
    throw error;
  }
  await out.close();
  return { file, size };
}

export interface UploadInput {
  roomId: number;
  /** The name it is shared under (see `cleanFileName`). */
  name: string | null;
  /** `Content-Length`, when the client sent one: over the limit, refused before reading. */
  declaredBytes?: number | undefined;
}

/**
 * Stores an upload as a pending file of a room, for the caller to send with a message (see
 * `attachFiles`) within PENDING_FILE_TTL_MS. The body is streamed to a temp file (at most
 * UPLOAD_MAX_BYTES: TOO_LARGE as soon as it is known to be more), its type read from its content
 * (UNSUPPORTED when its name claims another known type), an image rewritten without metadata and
 * thumbnailed. The bytes are stored first and the row inserted last: a failure anywhere removes
 * what was stored, and no row ever names missing bytes. NOT_FOUND for a room the caller is not a
 * member of (as for one that does not exist); BAD_INPUT for an empty file or a bad name; TOO_MANY
 * past LIMIT_UPLOADS_PER_USER.
 */
export async function uploadFile(deps: Deps, actor: Actor, input: UploadInput, body: Readable): Promise<FileOut> {
  const { maxBytes, tempDir, store } = deps.files;
  const name = cleanFileName(input.name);
  const access = await accessRoom(deps.db, actor.userId, input.roomId).catch(() => null);
  if (!access?.role) throw notFound("room");
  if (input.declaredBytes !== undefined && input.declaredBytes > maxBytes) throw tooLarge(maxBytes);
  await deps.limits.take("uploadsPerUser", String(actor.userId));
  const received = await receive(body, tempDir, maxBytes);
  const temps = [received.file];
  const stored: string[] = [];
  try {
    if (received.size === 0) throw new AppError("BAD_INPUT", "the file is empty");
    const type = await detectType(received.file, name);
    if (type.mime.startsWith("image/") && !IMAGES.has(type.mime) && !PLAIN_IMAGES.has(type.mime)) {
      throw new AppError(
        "UNSUPPORTED",
        `${(type.ext ?? type.mime).toUpperCase()} images cannot be shared here: Parley removes their metadata (location included) and cannot for this format; send it as JPEG, PNG, WebP or AVIF`,
      );
    }
    const prepared: Prepared = IMAGES.has(type.mime)
      ? await cleanImage(received.file, type.mime, tempDir)
      : { original: received.file, thumbnail: null, width: null, height: null };
    temps.push(prepared.original, ...(prepared.thumbnail ? [prepared.thumbnail] : []));
    const id = randomUUID();
    const key = storageKeyOf(id);
    const size = (await stat(prepared.original)).size;
    stored.push(key);
    await store.put(key, prepared.original, {
      contentType: type.mime,
      disposition: contentDisposition(type.mime, name),
      length: size,
    });
    let thumbnailKey: string | null = null;
    if (prepared.thumbnail) {
      thumbnailKey = `${key}.thumbnail`;
      stored.push(thumbnailKey);
      await store.put(thumbnailKey, prepared.thumbnail, {
        contentType: "image/webp",
        disposition: contentDisposition(type.mime, name, "thumbnail"),
        length: (await stat(prepared.thumbnail)).size,
      });
    }
    const [row] = await deps.db
      .insert(files)
      .values({
        id,
        roomId: input.roomId,
        uploaderId: actor.userId,
        name,
        contentType: type.mime,
        size,
        width: prepared.width,
        height: prepared.height,
        storageKey: key,
        thumbnailKey,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    stored.length = 0;
    return fileOutOf(row);
  } finally {
    await Promise.all(temps.map((file) => rm(file, { force: true })));
    // Stored but not recorded (the row failed): removed now, or by the sweeper's look for strays.
    if (stored.length > 0) await store.delete(stored).catch(() => {});
  }
}

/**
 * Attaches the sender's pending files to a message being sent, inside its transaction, in the
 * order given (`position` 0, 1, …). Each must be the sender's own upload to this room, not sent
 * yet and not removed; otherwise BAD_INPUT names the first that is not, and the caller's
 * transaction rolls back (no sequence number taken, nothing attached). Row locks make two sends of
 * one file take turns: the second finds it sent.
 */
export async function attachFiles(
  tx: Transaction,
  message: { id: number; roomId: number; authorId: number },
  fileIds: readonly string[],
): Promise<FileOut[]> {
  if (fileIds.length === 0) return [];
  const order = sql.join(
    fileIds.map((id, position) => sql`when ${id}::uuid then ${position}::integer`),
    sql` `,
  );
  const rows = await tx
    .update(files)
    .set({ messageId: message.id, position: sql`case ${files.id} ${order} end` })
    .where(
      and(
        inArray(files.id, [...fileIds]),
        eq(files.roomId, message.roomId),
        eq(files.uploaderId, message.authorId),
        isNull(files.messageId),
        isNull(files.deletedAt),
      ),
    )
    .returning();
  if (rows.length !== fileIds.length) {
    const found = new Set(rows.map((r) => r.id));
    const missing = fileIds.find((id) => !found.has(id));
    throw new AppError(
      "BAD_INPUT",
      `file ${missing} is not an unsent upload of yours to this room (uploads never sent are removed after an hour, and a file is sent once): attach it again`,
    );
  }
  return rows.sort((a, b) => a.position - b.position).map(fileOutOf);
}

/**
 * The file, if `userId` may read it now: a member of its room, and the file part of a message
 * that is not deleted, or their own upload not sent yet. Anything else is NOT_FOUND, in the same
 * words as a file that does not exist (so the answer tells a stranger nothing).
 */
export async function readableFile(db: Database, userId: number, fileId: string): Promise<StoredFile> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(fileId)) throw fileNotFound(fileId);
  const [row] = await db
    .select({ file: files })
    .from(files)
    .innerJoin(roomMembers, and(eq(roomMembers.roomId, files.roomId), eq(roomMembers.userId, userId)))
    .leftJoin(messages, eq(messages.id, files.messageId))
    .where(
      and(
        eq(files.id, fileId),
        isNull(files.deletedAt),
        or(
          and(isNotNull(files.messageId), isNull(messages.deletedAt)),
          and(isNull(files.messageId), eq(files.uploaderId, userId)),
        ),
      ),
    )
    .limit(1);
  if (!row) throw fileNotFound(fileId);
  return row.file;
}

/**
 * Where the caller may download a file from for FILE_URL_TTL_SECONDS: a presigned S3 URL, or
 * Parley's own signed link (a path on this server) on disk. NOT_FOUND as `readableFile`, and for
 * the thumbnail of a file that has none. `attachment`: an image's presigned link is served as a
 * download too (a browser's "Download" cannot ask that of another origin with `<a download>`).
 */
export async function downloadLink(
  deps: Deps,
  actor: Actor,
  fileId: string,
  variant: FileVariant,
  options: { attachment?: boolean } = {},
): Promise<string> {
  const file = await readableFile(deps.db, actor.userId, fileId);
  const key = variant === "thumbnail" ? file.thumbnailKey : file.storageKey;
  if (!key) throw new AppError("NOT_FOUND", `file ${fileId} has no thumbnail (only images have one)`);
  const { store, urlTtlSeconds, linkKey } = deps.files;
  if (store.presignedUrl) {
    const meta = servedMeta(file, variant);
    const disposition = options.attachment ? meta.disposition.replace(/^inline;/, "attachment;") : meta.disposition;
    return store.presignedUrl(key, { ...meta, disposition }, urlTtlSeconds);
  }
  const expiresAt = Math.floor(deps.clock().getTime() / 1000) + urlTtlSeconds;
  return signFileLink(linkKey, { fileId: file.id, variant, userId: actor.userId, expiresAt });
}

function servedMeta(file: StoredFile, variant: FileVariant) {
  const thumbnail = variant === "thumbnail";
  return {
    contentType: thumbnail ? "image/webp" : file.contentType,
    disposition: contentDisposition(file.contentType, file.name, variant),
    length: thumbnail ? 0 : file.size,
  };
}

/** A download to stream, with the headers it is served with (see `openSignedLink`). */
export interface Download {
  stream: Readable;
  headers: Record<string, string>;
}

/**
 * Opens what a signed link (see file-links.ts) points at, after checking its signature (FORBIDDEN
 * "forged" or "expired" in words) and, again, that its user may read the file now (NOT_FOUND
 * otherwise). Headers: the detected `Content-Type`, `Content-Disposition` (inline for raster
 * images only), `X-Content-Type-Options: nosniff`, a sandboxing `Content-Security-Policy`, and
 * `Cache-Control: private` for no longer than the link has left.
 */
export async function openSignedLink(deps: Deps, fileId: string, query: URLSearchParams): Promise<Download> {
  const now = Math.floor(deps.clock().getTime() / 1000);
  const link = verifyFileLink(deps.files.linkKey, fileId, query, now);
  if (link === "forged") throw new AppError("FORBIDDEN", "this download link is not one this server signed");
  if (link === "expired") {
    throw new AppError("FORBIDDEN", "this download link has expired: open the file again from its message");
  }
  const file = await readableFile(deps.db, link.userId, fileId);
  const key = link.variant === "thumbnail" ? file.thumbnailKey : file.storageKey;
  const opened = key ? await deps.files.store.open?.(key) : null;
  if (!opened) throw fileNotFound(fileId);
  const meta = servedMeta(file, link.variant);
  return {
    stream: opened.stream,
    headers: {
      "content-type": meta.contentType,
      "content-length": String(opened.size),
      "content-disposition": meta.disposition,
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox; default-src 'none'",
      "cache-control": `private, max-age=${Math.max(0, link.expiresAt - now)}`,
    },
  };
}

/**
 * Removes the bytes and rows of a deleted message's files (already unreadable: `deleteMessage`
 * marked them in its transaction). Best effort: what fails is left for the sweeper.
 */
export async function purgeMessageFiles(deps: Deps, messageId: number): Promise<void> {
  const doomed = await deps.db
    .select({ id: files.id, storageKey: files.storageKey, thumbnailKey: files.thumbnailKey })
    .from(files)
    .where(and(eq(files.messageId, messageId), isNotNull(files.deletedAt)));
  if (doomed.length === 0) return;
  try {
    await deps.files.store.delete(keysOf(doomed));
    await deps.db.delete(files).where(
      inArray(
        files.id,
        doomed.map((f) => f.id),
      ),
    );
  } catch {
    // The sweeper removes them on its next round.
  }
}

const keysOf = (rows: { storageKey: string; thumbnailKey: string | null }[]) =>
  rows.flatMap((f) => (f.thumbnailKey ? [f.storageKey, f.thumbnailKey] : [f.storageKey]));

/** What one sweep removed. */
export interface SweepResult {
  /** Files whose bytes and rows were removed: deleted ones and pending ones never sent. */
  files: number;
  /** Uploads left half-received in the temp directory (a crash, a cut connection). */
  temps: number;
  /** Objects in the store that no row names (a process that stopped between storing and recording). */
  strays: number;
}

/** Rows one sweep takes at most; the next round takes the rest. */
const SWEEP_BATCH = 200;

/**
 * One round of the file sweeper. Removes, bytes first and rows after: files whose message was
 * deleted, and pending uploads older than PENDING_FILE_TTL_MS; then temp files and unrecorded
 * store objects older than that. The rows are taken `FOR UPDATE SKIP LOCKED` in one transaction,
 * so two processes sweeping at once never act on the same file, and a send attaching a pending
 * file either waits for the sweep (and finds the file gone) or locked it first (and the sweep
 * skips it). A store error leaves the rows for the next round. `strays: false` skips the look for
 * unrecorded objects (it lists the whole store), which the process sweeper does hourly only.
 */
export async function sweepFiles(deps: Deps, options: { strays?: boolean } = {}): Promise<SweepResult> {
  const cutoff = new Date(deps.clock().getTime() - PENDING_FILE_TTL_MS);
  const removed = await deps.db.transaction(async (tx) => {
    const doomed = await tx
      .select({ id: files.id, storageKey: files.storageKey, thumbnailKey: files.thumbnailKey })
      .from(files)
      .where(or(isNotNull(files.deletedAt), and(isNull(files.messageId), lt(files.createdAt, cutoff))))
      .limit(SWEEP_BATCH)
      .for("update", { skipLocked: true });
    if (doomed.length === 0) return 0;
    await deps.files.store.delete(keysOf(doomed));
    await tx.delete(files).where(
      inArray(
        files.id,
        doomed.map((f) => f.id),
      ),
    );
    return doomed.length;
  });
  const temps = await sweepTemps(deps.files.tempDir, cutoff);
  const strays = options.strays === false ? 0 : await sweepStrays(deps, cutoff);
  return { files: removed, temps, strays };
}

async function sweepTemps(dir: string, cutoff: Date): Promise<number> {
  let count = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => null);
    if (info?.isFile() && info.mtime < cutoff) {
      await rm(file, { force: true });
      count++;
    }
  }
  return count;
}

/** A key of Parley's own shape (`storageKeyOf`, and `.thumbnail` beside it), and the file id in it. */
const OWN_KEY = /^[0-9a-f]{2}\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\.thumbnail)?$/;

/**
 * Store objects older than `cutoff` that no row names, in batches of SWEEP_BATCH keys. Only keys of
 * Parley's own shape are considered: anything else in the store (under S3_PREFIX, or in DATA_DIR's
 * store folder) is someone else's and is left alone.
 */
async function sweepStrays(deps: Deps, cutoff: Date): Promise<number> {
  let count = 0;
  let batch: { key: string; id: string }[] = [];
  const flush = async () => {
    const ids = [...new Set(batch.map((entry) => entry.id))];
    const known = new Set(
      (await deps.db.select({ id: files.id }).from(files).where(inArray(files.id, ids))).map((r) => r.id),
    );
    const strays = batch.filter((entry) => !known.has(entry.id)).map((entry) => entry.key);
    if (strays.length > 0) await deps.files.store.delete(strays);
    count += strays.length;
    batch = [];
  };
  for await (const key of deps.files.store.listKeys(cutoff)) {
    const id = OWN_KEY.exec(key)?.[1];
    if (id === undefined) continue;
    batch.push({ key, id });
    if (batch.length >= SWEEP_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return count;
}
