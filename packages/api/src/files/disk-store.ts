import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { FileStore } from "./store";

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
