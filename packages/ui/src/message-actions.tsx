"use client";

import type { KeyboardEvent } from "react";
import { Icon, type IconName } from "./icons";

/** What a reader may do with a message: a handler for each action offered, none for the others. */
export interface MessageActionHandlers {
  onReact?: () => void;
  onReply?: () => void;
  onEdit?: () => void;
  /** Pins or unpins, as `pinned` says. */
  onTogglePin?: () => void;
  onDelete?: () => void;
}

/**
 * A message's actions as a toolbar (one tab stop; arrow keys move between its buttons, as the
 * WAI-ARIA toolbar pattern asks). Shown on hover and on focus by the stylesheet.
 */
export function MessageActions({
  handlers,
  pinned,
  label,
}: {
  handlers: MessageActionHandlers;
  pinned: boolean;
  /** Names the message, e.g. "Message from Ann". */
  label: string;
}) {
  const buttons: { key: string; text: string; icon: IconName; run: () => void; danger?: boolean }[] = [];
  if (handlers.onReact) buttons.push({ key: "react", text: "Add reaction", icon: "react", run: handlers.onReact });
  if (handlers.onReply) buttons.push({ key: "reply", text: "Reply in thread", icon: "reply", run: handlers.onReply });
  if (handlers.onEdit) buttons.push({ key: "edit", text: "Edit", icon: "edit", run: handlers.onEdit });
  if (handlers.onTogglePin) {
    buttons.push({
      key: "pin",
      text: pinned ? "Unpin" : "Pin",
      icon: pinned ? "unpin" : "pin",
      run: handlers.onTogglePin,
    });
  }
  if (handlers.onDelete)
    buttons.push({ key: "delete", text: "Delete", icon: "delete", run: handlers.onDelete, danger: true });
  if (buttons.length === 0) return null;

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const items = Array.from(event.currentTarget.querySelectorAll<HTMLButtonElement>("button"));
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const next =
      event.key === "ArrowRight" ? at + 1 : event.key === "ArrowLeft" ? at - 1 : event.key === "Home" ? 0 : undefined;
    const target = event.key === "End" ? items.at(-1) : next === undefined ? undefined : items.at(next % items.length);
    if (!target) return;
    event.preventDefault();
    for (const item of items) item.tabIndex = item === target ? 0 : -1;
    target.focus();
  }

  return (
    <div className="pl-message-actions" role="toolbar" aria-label={`Actions: ${label}`} onKeyDown={onKeyDown}>
      {buttons.map((button, index) => (
        <button
          key={button.key}
          type="button"
          className="pl-icon-button"
          data-action={button.key}
          data-danger={button.danger || undefined}
          tabIndex={index === 0 ? 0 : -1}
          title={button.text}
          aria-label={button.text}
          onClick={button.run}
        >
          <Icon name={button.icon} />
        </button>
      ))}
    </div>
  );
}
