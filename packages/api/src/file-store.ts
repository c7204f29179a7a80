import { createReadStream, type ReadStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { FilesConfig, S3Config } from "./env";

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

/** The directory where uploads arrive before they are checked and stored (any mode). */
export const uploadTempDir = (config: Pick<FilesConfig, "dir">) => path.join(config.dir, "tmp");

/**
 * The store the configuration asks for: S3 when S3_* are set, else the directory DATA_DIR/files.
 * Nothing is written at start: directories are made by the first upload, so that a process whose
 * DATA_DIR is read-only (an image that keeps its files in S3, or shares none) still starts.
 */
export async function createFileStore(config: FilesConfig): Promise<FileStore> {
  if (config.s3) {
    const { createS3Store } = await import("./file-store-s3");
    return createS3Store(config.s3 satisfies S3Config);
  }
  return createDiskStore(path.join(config.dir, "store"));
}

/** Files under `root`, each moved into place by one rename (atomic on one file system). */
export function createDiskStore(root: string): FileStore {
  const where = (key: string) => {
    const file = path.resolve(root, key);
    // Keys are made by Parley, but a key must never leave the store's directory all the same.
    if (!file.startsWith(`${path.resolve(root)}${path.sep}`)) throw new Error(`bad file store key ${key}`);
    return file;
  };
  return {
    kind: "disk",
    async put(key, source) {
      const target = where(key);
      await mkdir(path.dirname(target), { recursive: true });
      try {
        await rename(source, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
        // Another file system: copied beside the target under a temporary name, then renamed.
        const partial = `${target}.${process.pid}.partial`;
        await copyFile(source, partial);
        await rename(partial, target);
      }
    },
    async delete(keys) {
      await Promise.all(keys.map((key) => rm(where(key), { force: true })));
    },
    async *listKeys(olderThan) {
      const shards = await readdir(root).catch(() => [] as string[]);
      for (const shard of shards) {
        const names = await readdir(path.join(root, shard)).catch(() => [] as string[]);
        for (const name of names) {
          const info = await stat(path.join(root, shard, name)).catch(() => null);
          if (info?.isFile() && info.mtime < olderThan) yield `${shard}/${name}`;
        }
      }
    },
    async open(key) {
      const file = where(key);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) return null;
      return { stream: createReadStream(file), size: info.size };
    },
    close() {},
  };
}
