"use client";

import { fileSizeText } from "./file-size";
import { Icon } from "./icons";

/** A file attached to the message being written: on its way up, up, or refused. */
export interface AttachmentEntry {
  /** This page's own key for it (not the server's file id). */
  key: string;
  name: string;
  /** Bytes. */
  size: number;
  /** The type the browser guesses from its name (the server reads the content): picks its icon. */
  type?: string;
  state: "uploading" | "done" | "failed";
  /** Bytes sent so far (while uploading). */
  loaded: number;
  /** Why it failed, in words. */
  error?: string;
}

/**
 * The composer's attachments: each with its name, size and either a progress bar (`progressbar`,
 * 0–100 %), "Ready", or why it failed; and a button that cancels the upload or removes the file.
 */
export function AttachmentList({
  attachments,
  onRemove,
}: {
  attachments: AttachmentEntry[];
  onRemove: (key: string) => void;
}) {
  if (attachments.length === 0) return null;
  return (
    <ul className="pl-attachments" aria-label="Attachments">
      {attachments.map((item) => {
        const percent = item.size > 0 ? Math.min(100, Math.round((item.loaded / item.size) * 100)) : 100;
        return (
          <li key={item.key} className="pl-attachment" data-state={item.state}>
            <span className="pl-attachment-icon">
              <Icon name={item.type?.startsWith("image/") ? "fileImage" : "file"} size={18} />
            </span>
            <span className="pl-attachment-text">
              <span className="pl-attachment-name" title={item.name}>
                {item.name}
              </span>
              <span className="pl-attachment-meta">
                {fileSizeText(item.size)}
                {item.state === "uploading" ? ` · uploading ${percent}%` : null}
                {item.state === "done" ? " · ready" : null}
              </span>
              {item.state === "uploading" ? (
                <span
                  className="pl-attachment-progress"
                  role="progressbar"
                  aria-label={`Uploading ${item.name}`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={percent}
                >
                  <span className="pl-attachment-progress-bar" style={{ width: `${percent}%` }} />
                </span>
              ) : null}
              {item.state === "failed" ? <span className="pl-attachment-error">{item.error}</span> : null}
            </span>
            <button
              type="button"
              className="pl-icon-button"
              onClick={() => onRemove(item.key)}
              aria-label={`${item.state === "uploading" ? "Cancel" : "Remove"} ${item.name}`}
              title={item.state === "uploading" ? "Cancel the upload" : "Remove"}
            >
              <Icon name="close" size={16} />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
