"use client";

import { type FormEvent, type KeyboardEvent, useId, useState } from "react";

export interface ComposerProps {
  /** Called with the trimmed text; the composer clears itself. */
  onSend: (text: string) => void;
  /** Called as the person types (the caller throttles). */
  onTyping?: () => void;
  maxLength: number;
  disabled?: boolean;
  placeholder?: string;
}

/** The message box: Enter sends, Shift+Enter adds a line; an empty message cannot be sent. */
export function Composer({ onSend, onTyping, maxLength, disabled = false, placeholder }: ComposerProps) {
  const [text, setText] = useState("");
  const id = useId();
  const trimmed = text.trim();
  const tooLong = text.length > maxLength;
  const canSend = !disabled && trimmed.length > 0 && !tooLong;

  function send(event?: FormEvent) {
    event?.preventDefault();
    if (!canSend) return;
    onSend(trimmed);
    setText("");
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <form className="pl-composer" onSubmit={send}>
      <label htmlFor={id} className="pl-visually-hidden">
        Message
      </label>
      <textarea
        id={id}
        className="pl-composer-input"
        value={text}
        rows={1}
        placeholder={placeholder}
        disabled={disabled}
        aria-invalid={tooLong || undefined}
        aria-describedby={tooLong ? `${id}-too-long` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim()) onTyping?.();
        }}
        onKeyDown={onKeyDown}
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
