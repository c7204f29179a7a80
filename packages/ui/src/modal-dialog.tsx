"use client";

import { type MouseEvent, type ReactNode, useEffect, useRef } from "react";

export interface ModalDialogProps {
  /** The dialog's name, read out when it opens. */
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** A click or tap beside the dialog (on its backdrop) closes it too. */
  dismissOnBackdrop?: boolean;
}

/**
 * A modal `<dialog>`: the browser keeps focus inside it and Escape closes it; when it closes,
 * focus goes back to what had it before it opened.
 */
export function ModalDialog({ title, onClose, children, className, dismissOnBackdrop }: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const closed = () => onCloseRef.current();
    dialog.addEventListener("close", closed);
    return () => {
      dialog.removeEventListener("close", closed);
      if (dialog.open) dialog.close();
      if (before?.isConnected) before.focus();
    };
  }, []);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a tap beside the dialog; the keyboard closes it with Escape
    <dialog
      ref={ref}
      className={`pl-dialog ${className ?? ""}`}
      aria-label={title}
      onClick={dismissOnBackdrop ? closeOnBackdrop : undefined}
    >
      {children}
    </dialog>
  );
}

/** A click on the dialog element itself outside its box is a click on its backdrop. */
function closeOnBackdrop(event: MouseEvent<HTMLDialogElement>) {
  const dialog = event.currentTarget;
  if (event.target !== dialog) return;
  const box = dialog.getBoundingClientRect();
  const inside =
    event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
  if (!inside) dialog.close();
}

/** Asks before something that cannot be undone: Cancel has focus first, so Enter does no harm. */
export function ConfirmDialog({
  title,
  body,
  confirm,
  onConfirm,
  onClose,
}: {
  title: string;
  body: ReactNode;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <ModalDialog title={title} onClose={onClose}>
      <h2 className="pl-dialog-title">{title}</h2>
      <div className="pl-dialog-body">{body}</div>
      <div className="pl-dialog-buttons">
        {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
        <button type="button" className="pl-button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="pl-button pl-button-danger"
          onClick={() => {
            onConfirm();
            onClose();
          }}
        >
          {confirm}
        </button>
      </div>
    </ModalDialog>
  );
}
