import { FileOut } from "@parley/api/schemas";

/** Why an upload did not finish: refused by the server (`status`), cut off on the way, or cancelled. */
export class UploadError extends Error {
  override readonly name = "UploadError";
  constructor(
    message: string,
    /** The HTTP status of a refusal; 0 when no answer came (network) or the upload was cancelled. */
    readonly status: number,
    readonly cancelled = false,
  ) {
    super(message);
  }
}

export interface UploadHandle {
  /** The stored file; rejects with an UploadError. */
  done: Promise<FileOut>;
  /** Cancels the upload (the promise rejects with a cancelled UploadError). */
  abort: () => void;
}

/** The words for a refusal without a usable `{ error }` body, by status. */
function refusalText(status: number, retryAfter: string | null): string {
  switch (status) {
    case 401:
      return "your session has ended: sign in again";
    case 404:
      return "this conversation is not open to you";
    case 413:
      return "the file is too big";
    case 415:
      return "the file's content is not of the type its name says";
    case 429:
      return `too many uploads at once: try again${retryAfter ? ` in ${retryAfter} s` : " in a moment"}`;
    default:
      return status >= 500 ? "the server failed to store the file: try again" : `refused (HTTP ${status})`;
  }
}

/**
 * Uploads one file to a room: `POST /files?roomId=<id>&name=<file name>`, the file as the raw body,
 * authenticated by the session cookie (same origin). XMLHttpRequest rather than fetch, for
 * `upload.onprogress` (bytes sent, `onProgress(loaded)`) and `abort()`. Answers 201 with the
 * stored file (`FileOut`); a refusal's `{ error }` words become the UploadError's message (a 429's
 * `Retry-After` seconds added when the words do not say when).
 */
export function uploadFile(roomId: number, file: File, onProgress: (loaded: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<FileOut>((resolve, reject) => {
    const query = new URLSearchParams({ roomId: String(roomId), name: file.name });
    xhr.open("POST", `/files?${query}`);
    xhr.responseType = "text";
    // The server decides the type by the content; this only keeps proxies from guessing.
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 201 || xhr.status === 200) {
        const stored = FileOut.safeParse(body);
        if (stored.success) resolve(stored.data);
        else reject(new UploadError("the server's answer was not understood", xhr.status));
        return;
      }
      const words =
        body && typeof body === "object" && "error" in body && typeof body.error === "string" ? body.error : null;
      const retryAfter = xhr.getResponseHeader("Retry-After");
      reject(
        new UploadError(
          words
            ? xhr.status === 429 && retryAfter
              ? `${words} (try again in ${retryAfter} s)`
              : words
            : refusalText(xhr.status, retryAfter),
          xhr.status,
        ),
      );
    };
    xhr.onerror = () => reject(new UploadError("the upload was cut off: check your connection and try again", 0));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new UploadError("cancelled", 0, true));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
