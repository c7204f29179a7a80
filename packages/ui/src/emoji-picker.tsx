"use client";

import { lazy, Suspense, useEffect, useRef } from "react";
import { Icon } from "./icons";
import { ModalDialog } from "./modal-dialog";

/** frimousse is loaded when a picker first opens, so the chat's first load does not carry it. */
const Picker = lazy(async () => {
  const { EmojiPicker } = await import("frimousse");
  function Picker({ onPick, emojibaseUrl }: { onPick: (emoji: string) => void; emojibaseUrl?: string }) {
    const root = useRef<HTMLDivElement>(null);
    // Focus goes to the search once the picker is in the page (not by autoFocus, whose focus event
    // frimousse does not see: its keyboard grid then stays off).
    useEffect(() => {
      const frame = requestAnimationFrame(() =>
        root.current?.querySelector<HTMLInputElement>("[frimousse-search]")?.focus(),
      );
      return () => cancelAnimationFrame(frame);
    }, []);
    return (
      <EmojiPicker.Root
        ref={root}
        className="pl-emoji-picker"
        onEmojiSelect={(emoji) => onPick(emoji.emoji)}
        emojibaseUrl={emojibaseUrl}
        columns={8}
      >
        <EmojiPicker.Search className="pl-input pl-emoji-search" placeholder="Search emoji" aria-label="Search emoji" />
        <EmojiPicker.Viewport className="pl-emoji-viewport">
          <EmojiPicker.Loading className="pl-emoji-note">Loading emoji…</EmojiPicker.Loading>
          <EmojiPicker.Empty className="pl-emoji-note">No emoji found.</EmojiPicker.Empty>
          <EmojiPicker.List
            className="pl-emoji-list"
            components={{
              // frimousse counts rows and columns from 0; ARIA from 1.
              Row: ({ children, ...props }) => (
                // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the role (row) comes with frimousse's props
                <div
                  {...props}
                  aria-rowindex={props["aria-rowindex"] === undefined ? undefined : props["aria-rowindex"] + 1}
                >
                  {children}
                </div>
              ),
              CategoryHeader: ({ category, ...props }) => (
                <div className="pl-emoji-category" {...props}>
                  {category.label}
                </div>
              ),
              Emoji: ({ emoji, ...props }) => (
                // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the role (gridcell) comes with frimousse's props
                <button
                  type="button"
                  className="pl-emoji"
                  {...props}
                  aria-colindex={props["aria-colindex"] === undefined ? undefined : props["aria-colindex"] + 1}
                  aria-label={emoji.label}
                  title={emoji.label}
                >
                  {emoji.emoji}
                </button>
              ),
            }}
          />
        </EmojiPicker.Viewport>
      </EmojiPicker.Root>
    );
  }
  return { default: Picker };
});

/**
 * emojibase writes some emoji with a variation selector they do not need ("👍" + U+FE0F): an emoji
 * drawn as an emoji by default keeps no U+FE0F after it, so that the same reaction is always the
 * same text (and the server's emoji check, emoji-regex, matches it whole). "❤️" keeps its own.
 */
export function normalizeEmoji(emoji: string): string {
  return emoji.replace(/(\p{Emoji_Presentation})\uFE0F/gu, "$1");
}

export interface EmojiPickerDialogProps {
  /** Called with the emoji picked; the dialog then closes. */
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** Where emojibase's data is served from (`${url}/en/data.json`); the page's own origin by default. */
  emojibaseUrl?: string;
}

/** The reaction picker (frimousse) in a modal dialog that keeps and gives back focus. */
export function EmojiPickerDialog({ onPick, onClose, emojibaseUrl }: EmojiPickerDialogProps) {
  return (
    <ModalDialog title="Pick a reaction" onClose={onClose} className="pl-emoji-dialog">
      <div className="pl-dialog-head">
        <h2 className="pl-dialog-title">Pick a reaction</h2>
        <button type="button" className="pl-icon-button" onClick={onClose} aria-label="Close">
          <Icon name="close" size={18} />
        </button>
      </div>
      <Suspense fallback={<p className="pl-emoji-note">Loading emoji…</p>}>
        <Picker
          emojibaseUrl={emojibaseUrl}
          onPick={(emoji) => {
            onPick(normalizeEmoji(emoji));
            onClose();
          }}
        />
      </Suspense>
    </ModalDialog>
  );
}
