"use client";

import { type CSSProperties, createContext, type ReactNode, useContext, useState } from "react";
import { fileSizeText } from "./file-size";
import { Icon, type IconName } from "./icons";
import { ModalDialog } from "./modal-dialog";

/** A file sent with a message, shaped like the API's `FileOut`. */
export interface MessageFile {
  id: string;
  name: string;
  /** Bytes. */
  size: number;
  /** The type the server found in its content. */
  contentType: string;
  kind: "image" | "file";
  /** An image's size in pixels; null for other files. */
  width: number | null;
  height: number | null;
  /** The original: a same-origin path that redirects to a short-lived signed link. */
  url: string;
  /** An image's thumbnail (at most 400 px on its longer side); null for other files. */
  thumbnailUrl: string | null;
}

/** The largest box an image is shown in inline, in CSS pixels (narrower on a phone: its column's width). */
const INLINE_MAX = 360;

/** Names for the types people meet most; others are shown as their media type. */
const TYPE_NAMES: Record<string, string> = {
  "application/pdf": "PDF document",
  "application/zip": "ZIP archive",
  "application/gzip": "Gzip archive",
  "application/x-tar": "Tar archive",
  "application/x-7z-compressed": "7-Zip archive",
  "application/vnd.rar": "RAR archive",
  "application/x-rar-compressed": "RAR archive",
  "application/msword": "Word document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
  "application/vnd.ms-excel": "Excel spreadsheet",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
  "application/vnd.ms-powerpoint": "PowerPoint presentation",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
  "application/vnd.oasis.opendocument.text": "OpenDocument text",
  "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
  "application/json": "JSON",
  "application/octet-stream": "Binary file",
  "text/plain": "Text",
  "text/csv": "CSV",
};

/** A file's type in words: "PDF document", "MP4 video", else its media type. */
export function fileTypeText(contentType: string): string {
  const named = TYPE_NAMES[contentType];
  if (named) return named;
  const [top, sub = ""] = contentType.split("/");
  const short = sub.replace(/^(x-|vnd\.)/, "").toUpperCase();
  if (top === "image") return `${short} image`;
  if (top === "video") return `${short} video`;
  if (top === "audio") return `${short} audio`;
  return contentType;
}

function iconOf(contentType: string): IconName {
  const [top] = contentType.split("/");
  if (top === "image") return "fileImage";
  if (top === "video") return "fileVideo";
  if (top === "audio") return "fileAudio";
  if (top === "text" || contentType === "application/pdf" || contentType.includes("document")) return "fileText";
  if (/zip|tar|rar|7z|compressed/.test(contentType)) return "fileArchive";
  return "file";
}

/** The box an image of `width`×`height` pixels takes, scaled to fit `max`×`max`, never enlarged. */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / width, max / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Space reserved for an image before it loads: its aspect ratio, at most `max` px wide or tall and
 * never wider than its column (so nothing below it jumps when it arrives).
 */
function reservedBox(file: MessageFile, max: number): CSSProperties {
  if (!file.width || !file.height) return { maxWidth: `min(100%, ${max}px)`, maxHeight: `${max}px` };
  const box = fitWithin(file.width, file.height, max);
  return { width: `min(100%, ${box.width}px)`, aspectRatio: `${file.width} / ${file.height}` };
}

const OpenImageContext = createContext<((file: MessageFile) => void) | null>(null);

/**
 * Holds the one lightbox of the app, outside every message list (a list of messages is a live
 * region, read out as it grows, and a thread panel closes on Escape): images inside it open there.
 */
export function FileLightboxProvider({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState<MessageFile | null>(null);
  return (
    <OpenImageContext.Provider value={setOpen}>
      {children}
      {open ? <FileLightbox file={open} onClose={() => setOpen(null)} /> : null}
    </OpenImageContext.Provider>
  );
}

/**
 * The files under a message: images inline from their thumbnails (their space reserved, the file
 * name as alternative text), each opening the original in the lightbox (`FileLightboxProvider`'s,
 * else one of its own); other files as cards with name, size and type that download the file.
 */
export function MessageFiles({ files }: { files: MessageFile[] }) {
  const openInProvider = useContext(OpenImageContext);
  const [openHere, setOpenHere] = useState<MessageFile | null>(null);
  const open = openInProvider ?? setOpenHere;
  if (files.length === 0) return null;
  const images = files.filter((file) => file.kind === "image");
  const others = files.filter((file) => file.kind !== "image");
  return (
    <div className="pl-files">
      {images.length > 0 ? (
        <ul className="pl-file-images" aria-label={images.length === 1 ? "Image" : `${images.length} images`}>
          {images.map((file) => (
            <li key={file.id}>
              <button
                type="button"
                className="pl-file-image"
                aria-haspopup="dialog"
                title={`${file.name} (${fileSizeText(file.size)}): open`}
                style={reservedBox(file, INLINE_MAX)}
                onClick={() => open(file)}
              >
                <img
                  src={file.thumbnailUrl ?? file.url}
                  alt={file.name}
                  width={file.width ?? undefined}
                  height={file.height ?? undefined}
                  loading="lazy"
                  decoding="async"
                />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {others.length > 0 ? (
        <ul className="pl-file-cards" aria-label={others.length === 1 ? "File" : `${others.length} files`}>
          {others.map((file) => (
            <li key={file.id}>
              <FileCard file={file} />
            </li>
          ))}
        </ul>
      ) : null}
      {openHere ? <FileLightbox file={openHere} onClose={() => setOpenHere(null)} /> : null}
    </div>
  );
}

/** A file that is not shown inline: its icon, name, size and type, as a link that downloads it. */
export function FileCard({ file }: { file: MessageFile }) {
  return (
    <a className="pl-file-card" href={file.url} download={file.name}>
      <span className="pl-file-card-icon">
        <Icon name={iconOf(file.contentType)} size={24} />
      </span>
      <span className="pl-file-card-text">
        <span className="pl-file-card-name">{file.name}</span>
        <span className="pl-file-card-meta">
          {fileSizeText(file.size)} · {fileTypeText(file.contentType)}
        </span>
      </span>
      <span className="pl-file-card-download">
        <Icon name="download" size={18} />
        <span className="pl-visually-hidden">Download</span>
      </span>
    </a>
  );
}

/**
 * An image at its full size in a modal dialog, with its name, size and a Download link. Escape,
 * the Close button or a click beside it closes it; focus goes back to the thumbnail.
 */
export function FileLightbox({ file, onClose }: { file: MessageFile; onClose: () => void }) {
  const box: CSSProperties =
    file.width && file.height
      ? {
          aspectRatio: `${file.width} / ${file.height}`,
          width: `min(100%, ${file.width}px, calc(var(--pl-lightbox-height) * ${file.width / file.height}))`,
        }
      : {};
  return (
    <ModalDialog title={file.name} onClose={onClose} className="pl-lightbox" dismissOnBackdrop>
      <div className="pl-dialog-head">
        <h2 className="pl-dialog-title pl-lightbox-title">{file.name}</h2>
        {/* biome-ignore lint/a11y/noAutofocus: the dialog opens on its close button, the image has no focus to take */}
        <button type="button" className="pl-icon-button" onClick={onClose} aria-label="Close" autoFocus>
          <Icon name="close" size={18} />
        </button>
      </div>
      <div className="pl-lightbox-stage">
        <img
          className="pl-lightbox-image"
          src={file.url}
          alt={file.name}
          width={file.width ?? undefined}
          height={file.height ?? undefined}
          style={box}
        />
      </div>
      <div className="pl-lightbox-foot">
        <span className="pl-lightbox-meta">
          {fileSizeText(file.size)} · {fileTypeText(file.contentType)}
          {file.width && file.height ? ` · ${file.width} × ${file.height} px` : ""}
        </span>
        {/* `?download`: saved, not shown, even when the link leads to another origin (S3). */}
        <a className="pl-button pl-button-primary" href={`${file.url}?download`} download={file.name}>
          <Icon name="download" size={16} /> Download
        </a>
      </div>
    </ModalDialog>
  );
}
