"use client";

import { type FileOut, MAX_FILES_PER_MESSAGE } from "@parley/api/schemas";
import { type AttachmentEntry, fileSizeText } from "@parley/ui";
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import { leaveForSignIn } from "./end-session";
import { UploadError, uploadFile } from "./upload-file";

/**
 * The server's UPLOAD_MAX_BYTES (bytes), told to the browser by the chat layout (see
 * public-config.ts): a bigger file is refused here, before a byte is sent.
 */
export const UploadLimitContext = createContext<number>(25 * 1024 * 1024);

/** A file attached to the message being written, and once uploaded, the server's record of it. */
export interface Upload extends AttachmentEntry {
  stored?: FileOut;
}

export interface Uploads {
  /** Every attachment of the message being written, in the order they were added. */
  uploads: Upload[];
  /** The uploaded ones, in order: what goes with the message. */
  ready: FileOut[];
  /** Words for a polite live region: the newest upload started, finished, failed or cancelled. */
  status: string;
  /** Starts uploading each file at once (a file over the limit, or past the 10th, is refused here). */
  add: (files: File[]) => void;
  /** Cancels an upload on its way, or takes a file off the message. */
  remove: (key: string) => void;
  /** Forgets every attachment (the message went); uploads still on their way are cancelled. */
  clear: () => void;
}

/**
 * The attachments of one composer, uploaded to `roomId` as soon as they are added (`uploadFile`).
 * Leaving the conversation cancels what is still on its way; a file uploaded but never sent is
 * the server's to clean up.
 */
export function useUploads(roomId: number): Uploads {
  const maxBytes = useContext(UploadLimitContext);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [status, setStatus] = useState("");
  const held = useRef<Upload[]>([]);
  const aborts = useRef(new Map<string, () => void>());

  const change = useCallback((next: (uploads: Upload[]) => Upload[]) => {
    held.current = next(held.current);
    setUploads(held.current);
  }, []);
  const patch = useCallback(
    (key: string, values: Partial<Upload>) =>
      change((list) => list.map((upload) => (upload.key === key ? { ...upload, ...values } : upload))),
    [change],
  );

  // Leaving the conversation (each has its own composer) cancels what is still on its way.
  useEffect(() => {
    const running = aborts.current;
    return () => {
      for (const abort of running.values()) abort();
      running.clear();
    };
  }, []);

  const add = useCallback(
    (files: File[]) => {
      let room = MAX_FILES_PER_MESSAGE - held.current.filter((upload) => upload.state !== "failed").length;
      const added: Upload[] = [];
      for (const file of files) {
        const entry: Upload = {
          key: crypto.randomUUID(),
          name: file.name,
          size: file.size,
          state: "uploading",
          loaded: 0,
        };
        if (file.size > maxBytes) {
          added.push({ ...entry, state: "failed", error: `Too big: files may be at most ${fileSizeText(maxBytes)}.` });
          continue;
        }
        if (room <= 0) {
          added.push({
            ...entry,
            state: "failed",
            error: `A message can carry at most ${MAX_FILES_PER_MESSAGE} files.`,
          });
          continue;
        }
        room--;
        added.push(entry);
        const upload = uploadFile(roomId, file, (loaded) => patch(entry.key, { loaded }));
        aborts.current.set(entry.key, upload.abort);
        upload.done
          .then((stored) => {
            patch(entry.key, { state: "done", loaded: file.size, stored });
            setStatus(`${file.name} uploaded`);
          })
          .catch((error: unknown) => {
            if (error instanceof UploadError && error.cancelled) return;
            if (error instanceof UploadError && error.status === 401) leaveForSignIn();
            const reason = error instanceof Error ? error.message : "the upload failed";
            patch(entry.key, { state: "failed", error: `Not uploaded: ${reason}.` });
            setStatus(`${file.name} was not uploaded: ${reason}`);
          })
          .finally(() => aborts.current.delete(entry.key));
      }
      change((list) => [...list, ...added]);
      const refused = added.filter((upload) => upload.state === "failed");
      const started = added.length - refused.length;
      setStatus(
        [
          started > 0
            ? `Uploading ${started === 1 ? added.find((u) => u.state === "uploading")?.name : `${started} files`}`
            : "",
          ...refused.map((upload) => `${upload.name}: ${upload.error}`),
        ]
          .filter(Boolean)
          .join(". "),
      );
    },
    [roomId, maxBytes, change, patch],
  );

  const remove = useCallback(
    (key: string) => {
      const upload = held.current.find((item) => item.key === key);
      const abort = aborts.current.get(key);
      if (abort) {
        aborts.current.delete(key);
        abort();
      }
      change((list) => list.filter((item) => item.key !== key));
      if (upload)
        setStatus(upload.state === "uploading" ? `Upload of ${upload.name} cancelled` : `${upload.name} removed`);
    },
    [change],
  );

  const clear = useCallback(() => {
    for (const abort of aborts.current.values()) abort();
    aborts.current.clear();
    change(() => []);
  }, [change]);

  const ready = uploads.flatMap((upload) => (upload.state === "done" && upload.stored ? [upload.stored] : []));
  return { uploads, ready, status, add, remove, clear };
}
