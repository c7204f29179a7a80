import type { ReadStream } from "node:fs";

/**
 * Where the bytes of shared files live: a directory (the all-in-one mode) or an S3-compatible
 * bucket (the scaled mode). The database holds only their metadata (`files`); a key is
 * `<two hex digits>/<file id>[.thumbnail]`, never derived from anything a client chose.
 */
export interface FileStore {
  readonly kind: "disk" | "s3";
  /**
   * Stores a finished local file under `key`, as a whole or not at all: nobody can read a partial
   * one. On disk the file is moved (it must be under the store's temp directory); to S3 it is
   * uploaded (PutObject, with its type and disposition) and left where it was.
   */
  put(key: string, source: string, meta: StoredMeta): Promise<void>;
  /** Removes keys; a key already gone is no error. Throws when the store could not be reached. */
  delete(keys: string[]): Promise<void>;
  /** Keys stored before `olderThan` (for the sweeper's look for objects no row names). */
  listKeys(olderThan: Date): AsyncIterable<string>;
  /** S3: a presigned GET of `key` that answers with this type and disposition, for `ttlSeconds`. */
  presignedUrl?(key: string, meta: StoredMeta, ttlSeconds: number): Promise<string>;
  /** Disk: the stored file to stream, or null when it is gone. */
  open?(key: string): Promise<{ stream: ReadStream; size: number } | null>;
  close(): void;
}

export interface StoredMeta {
  contentType: string;
  /** A `Content-Disposition` value (see `contentDisposition` in services/files.ts). */
  disposition: string;
  /** Bytes. */
  length: number;
}
