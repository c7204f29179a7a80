"use client";

import { ConfirmDialog } from "@parley/ui";

/** A webhook's two dangerous actions: what asking about one needs. */
export interface HookAsk<H extends { id: string; name: string }> {
  hook: H;
  action: "rotate" | "delete";
}

/**
 * A webhook's "new secret" and "Delete" buttons (room settings), each opening a confirmation; the
 * accessible names carry the hook's name, since a room may have several.
 */
export function HookButtons<H extends { id: string; name: string }>({
  hook,
  rotateLabel,
  busy,
  onAsk,
}: {
  hook: H;
  /** "New URL" (incoming) or "New secret" (outgoing). */
  rotateLabel: string;
  busy: boolean;
  onAsk: (ask: HookAsk<H>) => void;
}) {
  return (
    <>
      <button
        type="button"
        className="pl-button"
        aria-haspopup="dialog"
        aria-label={`${rotateLabel} for ${hook.name}`}
        disabled={busy}
        onClick={() => onAsk({ hook, action: "rotate" })}
      >
        {rotateLabel}
      </button>
      <button
        type="button"
        className="pl-button pl-button-danger"
        aria-haspopup="dialog"
        aria-label={`Delete ${hook.name}`}
        disabled={busy}
        onClick={() => onAsk({ hook, action: "delete" })}
      >
        Delete
      </button>
    </>
  );
}

/** The confirmation of a HookButtons action, saying what happens at once. */
export function HookConfirm<H extends { id: string; name: string }>({
  asking,
  rotateLabel,
  rotateConfirm,
  rotateBody,
  deleteBody,
  onRotate,
  onDelete,
  onClose,
}: {
  asking: HookAsk<H>;
  rotateLabel: string;
  rotateConfirm: string;
  rotateBody: string;
  deleteBody: string;
  onRotate: (hook: H) => void;
  onDelete: (hook: H) => void;
  onClose: () => void;
}) {
  const deleting = asking.action === "delete";
  return (
    <ConfirmDialog
      title={deleting ? `Delete ${asking.hook.name}?` : `${rotateLabel} for ${asking.hook.name}?`}
      body={deleting ? deleteBody : rotateBody}
      confirm={deleting ? "Delete" : rotateConfirm}
      onConfirm={() => (deleting ? onDelete(asking.hook) : onRotate(asking.hook))}
      onClose={onClose}
    />
  );
}
