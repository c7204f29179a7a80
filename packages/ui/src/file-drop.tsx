"use client";

import { type DragEvent, useEffect, useRef, useState } from "react";

/** Whether a drag carries files (not text or a link dragged from the page). */
const carriesFiles = (event: DragEvent | globalThis.DragEvent) =>
  Array.from(event.dataTransfer?.types ?? []).includes("Files");

/**
 * Makes an element a drop target for files: spread `handlers` on it, show `<DropOverlay>` while
 * `dragging`. While it is mounted (enabled or not), files dropped anywhere else on the page are ignored instead of
 * being opened by the browser in place of the app.
 */
export function useFileDrop(onFiles: (files: File[]) => void, enabled = true) {
  const [dragging, setDragging] = useState(false);
  // dragenter and dragleave fire for every child crossed: count them, not the last one.
  const depth = useRef(0);

  // Even while disabled (a room the reader has not joined): a file dropped there must not replace the app.
  useEffect(() => {
    const refuse = (event: globalThis.DragEvent) => {
      if (carriesFiles(event)) event.preventDefault();
    };
    window.addEventListener("dragover", refuse);
    window.addEventListener("drop", refuse);
    return () => {
      window.removeEventListener("dragover", refuse);
      window.removeEventListener("drop", refuse);
    };
  }, []);

  const handlers = enabled
    ? {
        onDragEnter(event: DragEvent) {
          if (!carriesFiles(event)) return;
          event.preventDefault();
          depth.current += 1;
          setDragging(true);
        },
        onDragOver(event: DragEvent) {
          if (!carriesFiles(event)) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
        },
        onDragLeave(event: DragEvent) {
          if (!carriesFiles(event)) return;
          depth.current = Math.max(0, depth.current - 1);
          if (depth.current === 0) setDragging(false);
        },
        onDrop(event: DragEvent) {
          if (!carriesFiles(event)) return;
          event.preventDefault();
          depth.current = 0;
          setDragging(false);
          const files = Array.from(event.dataTransfer.files);
          if (files.length > 0) onFiles(files);
        },
      }
    : {};
  return { dragging: enabled && dragging, handlers };
}

/** What a drop target shows while files are dragged over it: a dashed frame and what dropping does. */
export function DropOverlay({ label }: { label: string }) {
  return (
    <div className="pl-drop-overlay" aria-hidden="true">
      <p>{label}</p>
    </div>
  );
}
