"use client";

import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";

export interface MessageEditorProps {
  initial: string;
  maxLength: number;
  /** Saves the new text; resolves to an error in words, or null once saved. */
  onSave: (text: string) => Promise<string | null>;
  onCancel: () => void;
}

/** The inline editor of a message: Enter saves, Shift+Enter adds a line, Escape cancels. */
export function MessageEditor({ initial, maxLength, onSave, onCancel }: MessageEditorProps) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const id = useId();
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  async function save() {
    const trimmed = text.trim();
    if (trimmed === initial.trim()) return onCancel();
    if (!trimmed) return setError("A message cannot be empty: delete it instead.");
    if (trimmed.length > maxLength) return setError(`A message may be at most ${maxLength} characters.`);
    setSaving(true);
    const failed = await onSave(trimmed);
    setSaving(false);
    setError(failed);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void save();
    }
  }

  return (
    <div className="pl-message-editor">
      <label htmlFor={id} className="pl-visually-hidden">
        Edit message
      </label>
      <textarea
        id={id}
        ref={input}
        className="pl-composer-input"
        value={text}
        rows={2}
        // Read-only, not disabled, while saving: focus stays in the editor.
        readOnly={saving}
        aria-describedby={`${id}-hint`}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <p id={`${id}-hint`} className="pl-hint">
        Enter to save · Escape to cancel{" "}
        <button type="button" className="pl-link-button" onClick={() => void save()} disabled={saving}>
          Save
        </button>{" "}
        <button type="button" className="pl-link-button" onClick={onCancel}>
          Cancel
        </button>
      </p>
      {error ? (
        <p className="pl-field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
