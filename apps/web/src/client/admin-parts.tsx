"use client";

import { ModalDialog } from "@parley/ui";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useId } from "react";
import { ErrorAlert } from "./error-alert";
import { useTRPC } from "./trpc";

/** What the administration's tabs share: the confirmation dialog, badges, "more" buttons, dates. */

export const dateOf = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A pending action on the users' or rooms' list, asked for in a dialog before it is done. */
export interface Pending {
  title: string;
  /** What will happen, in a sentence. */
  text: ReactNode;
  confirm: string;
  danger?: boolean;
  /** A field the action needs (a temporary password, a new owner's username). */
  field?: { label: string; name: string; type: "password" | "text"; hint?: string };
  run: (value: string) => Promise<unknown>;
}

/** Asks before an action; shows the server's refusal in words and stays open then. */
export function ConfirmDialog({ pending, onClose }: { pending: Pending; onClose: () => void }) {
  const id = useId();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const action = useMutation({
    mutationFn: (value: string) => pending.run(value),
    onSuccess: async () => {
      // Every administration list (users, rooms, bots, audit log) is read again: the action shows in each.
      await Promise.all([
        queryClient.invalidateQueries(trpc.admin.pathFilter()),
        queryClient.invalidateQueries(trpc.bots.pathFilter()),
      ]);
      onClose();
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = pending.field ? String(new FormData(event.currentTarget).get(pending.field.name) ?? "") : "";
    action.mutate(value);
  }
  return (
    <ModalDialog title={pending.title} onClose={onClose} className="admin-dialog">
      <form onSubmit={submit} onChange={() => action.reset()}>
        <h2 className="pl-dialog-title">{pending.title}</h2>
        <p>{pending.text}</p>
        {pending.field ? (
          <div className="pl-field">
            <label htmlFor={`${id}-field`}>{pending.field.label}</label>
            <input
              id={`${id}-field`}
              name={pending.field.name}
              type={pending.field.type}
              className="pl-input"
              autoComplete="off"
              required
              aria-describedby={pending.field.hint ? `${id}-hint` : undefined}
            />
            {pending.field.hint ? (
              <p id={`${id}-hint`} className="pl-hint">
                {pending.field.hint}
              </p>
            ) : null}
          </div>
        ) : null}
        <ErrorAlert error={action.error} className="pl-field-error" />
        <div className="pl-dialog-buttons">
          <button type="button" className="pl-button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={`pl-button ${pending.danger ? "pl-button-danger" : "pl-button-primary"}`}
            disabled={action.isPending}
          >
            {pending.confirm}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

export function Badge({ children, tone }: { children: ReactNode; tone?: "warn" | "danger" }) {
  return <span className={`admin-badge${tone ? ` admin-badge-${tone}` : ""}`}>{children}</span>;
}

export function MoreButton({
  query,
  label,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  label: string;
}) {
  if (!query.hasNextPage) return null;
  return (
    <button
      type="button"
      className="pl-button"
      onClick={() => query.fetchNextPage()}
      disabled={query.isFetchingNextPage}
    >
      {label}
    </button>
  );
}
