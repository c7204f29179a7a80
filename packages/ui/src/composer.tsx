"use client";

import { type ClipboardEvent, type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { type AttachmentEntry, AttachmentList } from "./attachment-list";
import { Icon } from "./icons";

/** Someone the composer can complete an `@` to. */
export interface Mentionable {
  username: string;
  /** The display name, when there is one. */
  displayName: string | null;
}

export interface ComposerProps {
  /**
   * Called with the trimmed text (the files' caption: '' when only files go), with every
   * attachment uploaded and none still on its way; the composer clears its text itself.
   */
  onSend: (text: string) => void;
  /** Called as the person types (the caller throttles). */
  onTyping?: () => void;
  maxLength: number;
  disabled?: boolean;
  placeholder?: string;
  /** Names the box for screen readers ("Message", "Reply"). */
  label?: string;
  /** The room's members, offered after `@`. */
  mentionables?: Mentionable[];
  /** Offer `@room` (owners only: it notifies everyone). */
  offerRoom?: boolean;
  /** Up in an empty box: edit my last message. Returns whether there was one. */
  onEditLast?: () => boolean;
  /**
   * The text in the box, when the caller keeps it (a draft kept per conversation), with
   * `onTextChange`, told of every change (typing, a mention picked, "" once sent).
   */
  text?: string;
  onTextChange?: (text: string) => void;
  /**
   * Files to send with the message: given, the composer offers an "Attach files" button and takes
   * files pasted into the box, and hands them to `onAttach`; the caller uploads them and lists them
   * in `attachments`.
   */
  onAttach?: (files: File[]) => void;
  attachments?: AttachmentEntry[];
  /** Cancels an upload on its way, or takes a file off the message. */
  onRemoveAttachment?: (key: string) => void;
  /** The newest news of the uploads in words ("photo.png uploaded"), read out politely. */
  attachmentStatus?: string;
}

/** The most suggestions shown at once. */
const MAX_SUGGESTIONS = 8;

/** The `@word` being typed just before the caret, if any. */
function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(^|[^\p{L}\p{N}_.-])@([\p{L}\p{N}_.-]*)$/u.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: caret - (match[2]?.length ?? 0) - 1, query: (match[2] ?? "").toLocaleLowerCase() };
}

/**
 * Files pasted into the box: those of a clipboard that holds no text (a screenshot, files copied in
 * a file manager). A clipboard with text as well (a spreadsheet's cells, a page's selection, which
 * bring a picture of themselves along) pastes its text, as a text box does.
 */
function pastedFiles(event: ClipboardEvent): File[] {
  const data = event.clipboardData;
  if (data.files.length === 0 || data.types.includes("text/plain")) return [];
  return Array.from(data.files);
}

/**
 * The message box: Enter sends, Shift+Enter adds a line; an empty message cannot be sent. After `@`
 * it suggests the room's members (a listbox: arrows move, Enter or Tab picks, Escape closes), and
 * Up in an empty box edits my last message. With `onAttach`, files come in by the "Attach files"
 * button or by pasting; the message can go once every upload is done, its text then a caption
 * (which may be empty).
 */
export function Composer(props: ComposerProps) {
  const { onSend, onTyping, maxLength, disabled = false, placeholder, label = "Message" } = props;
  const { mentionables = [], offerRoom = false, onEditLast, onTextChange } = props;
  const { onAttach, attachments = [], onRemoveAttachment, attachmentStatus } = props;
  const [ownText, setOwnText] = useState("");
  const text = props.text ?? ownText;
  const setText = (next: string) => {
    setOwnText(next);
    onTextChange?.(next);
  };
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const id = useId();
  const trimmed = text.trim();
  const tooLong = text.length > maxLength;
  const uploading = attachments.filter((item) => item.state === "uploading").length;
  const ready = attachments.filter((item) => item.state === "done").length;
  const canSend = !disabled && (trimmed.length > 0 || ready > 0) && !tooLong && uploading === 0;
  // Set when Send was asked for while files were still uploading: the hint says why nothing went.
  const [waitAsked, setWaitAsked] = useState(false);
  // Nothing is waiting any more once no file uploads (finished, removed or failed).
  useEffect(() => {
    if (uploading === 0) setWaitAsked(false);
  }, [uploading]);

  const mention = mentionAt(text, caret);
  const candidates: Mentionable[] = [
    ...(offerRoom ? [{ username: "room", displayName: "Notify everyone in the room" }] : []),
    ...mentionables,
  ];
  // A name typed out whole needs no suggestion: Enter then sends.
  const typedWhole =
    mention !== null && candidates.some((person) => person.username.toLocaleLowerCase() === mention.query);
  const suggestions =
    mention && mention.start !== dismissedAt && !typedWhole
      ? candidates
          .filter(
            (person) =>
              person.username.toLocaleLowerCase().startsWith(mention.query) ||
              (person.displayName ?? "").toLocaleLowerCase().startsWith(mention.query),
          )
          .slice(0, MAX_SUGGESTIONS)
      : [];
  const open = suggestions.length > 0;
  const activeIndex = Math.min(active, suggestions.length - 1);
  const optionId = (index: number) => `${id}-option-${index}`;

  function send(event?: FormEvent) {
    event?.preventDefault();
    if (uploading > 0) setWaitAsked(true);
    if (!canSend) return;
    onSend(trimmed);
    setText("");
    setCaret(0);
    setWaitAsked(false);
  }

  function pick(person: Mentionable) {
    if (!mention) return;
    const inserted = `@${person.username} `;
    const next = text.slice(0, mention.start) + inserted + text.slice(caret);
    const at = mention.start + inserted.length;
    setText(next);
    setCaret(at);
    setActive(0);
    requestAnimationFrame(() => input.current?.setSelectionRange(at, at));
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((activeIndex + step + suggestions.length) % suggestions.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
        const person = suggestions[activeIndex];
        if (person) {
          event.preventDefault();
          pick(person);
          return;
        }
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setDismissedAt(mention?.start ?? null);
        return;
      }
    }
    if (event.key === "ArrowUp" && text === "" && onEditLast?.()) {
      event.preventDefault();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <form className="pl-composer" onSubmit={send}>
      {onAttach ? (
        <>
          <AttachmentList attachments={attachments} onRemove={(key) => onRemoveAttachment?.(key)} />
          {uploading > 0 ? (
            <p className="pl-composer-wait" data-asked={waitAsked || undefined}>
              {uploading === 1 ? "1 file is uploading" : `${uploading} files are uploading`}: the message can be sent
              once {uploading === 1 ? "it is" : "they are"} up.
            </p>
          ) : null}
          <p className="pl-visually-hidden" role="status" aria-live="polite">
            {waitAsked && uploading > 0 ? "Not sent yet: waiting for the uploads to finish." : attachmentStatus}
          </p>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            tabIndex={-1}
            aria-label="Files to attach"
            onChange={(event) => {
              const files = Array.from(event.target.files ?? []);
              // Picking the same file again must fire again.
              event.target.value = "";
              if (files.length > 0) onAttach(files);
              input.current?.focus();
            }}
          />
          <button
            type="button"
            className="pl-icon-button pl-composer-attach"
            aria-label="Attach files"
            title="Attach files"
            disabled={disabled}
            onClick={() => picker.current?.click()}
          >
            <Icon name="attach" size={20} />
          </button>
        </>
      ) : null}
      <label htmlFor={id} className="pl-visually-hidden">
        {label}
      </label>
      {open ? (
        <div className="pl-mention-popup">
          <div id={`${id}-listbox`} role="listbox" aria-label="People to mention" className="pl-mention-list">
            {suggestions.map((person, index) => (
              <div
                key={person.username}
                id={optionId(index)}
                role="option"
                // Chosen with the arrows while focus stays in the box (aria-activedescendant).
                tabIndex={-1}
                aria-selected={index === activeIndex}
                className="pl-mention-option"
                // Pressing must not take focus from the box.
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => pick(person)}
                onKeyDown={() => undefined}
              >
                <span className="pl-mention-username">@{person.username}</span>
                {person.displayName ? <span className="pl-mention-name">{person.displayName}</span> : null}
              </div>
            ))}
          </div>
        </div>
      ) : null}
      <textarea
        id={id}
        ref={input}
        className="pl-composer-input"
        value={text}
        rows={1}
        placeholder={placeholder}
        disabled={disabled}
        // A textbox (the name stays "Message"), with the suggestions as its popup list.
        aria-autocomplete="list"
        aria-haspopup="listbox"
        aria-controls={open ? `${id}-listbox` : undefined}
        aria-activedescendant={open ? optionId(activeIndex) : undefined}
        aria-invalid={tooLong || undefined}
        aria-describedby={tooLong ? `${id}-too-long` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionStart);
          setActive(0);
          if (event.target.value.trim()) onTyping?.();
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
        onPaste={
          onAttach
            ? (event) => {
                const files = pastedFiles(event);
                if (files.length === 0) return;
                event.preventDefault();
                onAttach(files);
              }
            : undefined
        }
      />
      <button type="submit" className="pl-button pl-button-primary" disabled={!canSend}>
        Send
      </button>
      {tooLong ? (
        <p id={`${id}-too-long`} className="pl-field-error" role="alert">
          A message may be at most {maxLength} characters ({text.length} now).
        </p>
      ) : null}
    </form>
  );
}
