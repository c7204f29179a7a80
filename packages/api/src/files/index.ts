import path from "node:path";
import type { FilesConfig, S3Config } from "../env";
import { createDiskStore } from "./disk-store";
import type { FileStore } from "./store";

/**
 * Where shared files' bytes live: `FileStore` (store.ts), on disk (disk-store.ts) or in an
 * S3-compatible bucket (s3-store.ts, loaded only in that mode), chosen here from the configuration.
 */
export { createDiskStore } from "./disk-store";
export type { FileStore, StoredMeta } from "./store";

/** The directory where uploads arrive before they are checked and stored (any mode). */
export const uploadTempDir = (config: Pick<FilesConfig, "dir">) => path.join(config.dir, "tmp");

/**
 * The store the configuration asks for: S3 when S3_* are set, else the directory DATA_DIR/files.
 * Nothing is written at start: directories are made by the first upload, so that a process whose
 * DATA_DIR is read-only (an image that keeps its files in S3, or shares none) still starts.
 */
export async function createFileStore(config: FilesConfig): Promise<FileStore> {
  if (config.s3) {
    const { createS3Store } = await import("./s3-store");
    return createS3Store(config.s3 satisfies S3Config);
  }
  return createDiskStore(path.join(config.dir, "store"));
}
