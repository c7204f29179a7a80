"use client";

import type { RegistrationPolicy } from "@parley/api/schemas";
import { ModalDialog } from "@parley/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { ErrorAlert } from "./error-alert";
import { useTRPC } from "./trpc";

const POLICIES: { value: RegistrationPolicy; label: string; hint: string }[] = [
  { value: "open", label: "Open", hint: "Anyone who reaches the server can create an account." },
  { value: "invite", label: "By invite", hint: "Only people with an invite link made below." },
  { value: "closed", label: "Closed", hint: "Nobody can create an account." },
];

/** How long a new invite link lives: the choices offered, in hours. */
const LIFETIMES = [
  { hours: 1, label: "1 hour" },
  { hours: 24, label: "1 day" },
  { hours: 24 * 7, label: "7 days" },
  { hours: 24 * 30, label: "30 days" },
  { hours: 24 * 90, label: "90 days" },
];

const STATE_WORDS = { active: "Active", "used-up": "Used up", expired: "Expired", revoked: "Revoked" } as const;

const dateTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * The administration's "Registration" section: who may create an account (`registration.setPolicy`,
 * applied at once and recorded in the audit log; REGISTRATION overrides it at the next start), and
 * the invite links (`registration.createInvite`, whose link is shown once, `invites`, `revokeInvite`).
 */
export function RegistrationAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const state = useQuery(trpc.registration.state.queryOptions());
  const invites = useQuery(trpc.registration.invites.queryOptions());
  const refreshInvites = () => queryClient.invalidateQueries({ queryKey: trpc.registration.invites.queryKey() });
  const setPolicy = useMutation(
    trpc.registration.setPolicy.mutationOptions({
      onSuccess: (now) => queryClient.setQueryData(trpc.registration.state.queryKey(), now),
    }),
  );
  const [choosing, setChoosing] = useState<RegistrationPolicy | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useMutation(
    trpc.registration.createInvite.mutationOptions({
      onSuccess: (invite) => {
        setCreated(`${window.location.origin}${invite.path}`);
        setCopied(false);
        void refreshInvites();
      },
    }),
  );
  const [revoking, setRevoking] = useState<number | null>(null);
  const revoke = useMutation(
    trpc.registration.revokeInvite.mutationOptions({
      onSuccess: () => {
        setRevoking(null);
        void refreshInvites();
      },
    }),
  );

  function createInvite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ maxUses: Number(form.get("maxUses")), expiresInHours: Number(form.get("expiresInHours")) });
  }

  // The choice being saved shows as chosen at once, in the click's own render (a radio that sprang
  // back until the server answers would look refused); the server's answer, or refusal, replaces it.
  const policy = choosing ?? state.data?.policy;
  return (
    <section className="admin-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Registration</h2>
      <fieldset className="admin-policy" disabled={!policy || setPolicy.isPending}>
        <legend>Who can create an account</legend>
        {POLICIES.map((choice) => (
          <label key={choice.value} className="admin-choice">
            <input
              type="radio"
              name={`${id}-policy`}
              value={choice.value}
              checked={policy === choice.value}
              onChange={() => {
                setChoosing(choice.value);
                setPolicy.mutate({ policy: choice.value }, { onSettled: () => setChoosing(null) });
              }}
            />
            <span>
              <strong>{choice.label}</strong>
              <span className="pl-hint"> {choice.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <ErrorAlert error={state.error ?? setPolicy.error} />

      <h3>Invite links</h3>
      <form className="admin-invite-form" onSubmit={createInvite}>
        <div className="pl-field">
          <label htmlFor={`${id}-uses`}>Accounts it can create</label>
          <input
            id={`${id}-uses`}
            name="maxUses"
            type="number"
            className="pl-input"
            min={1}
            max={1000}
            defaultValue={1}
            required
          />
        </div>
        <div className="pl-field">
          <label htmlFor={`${id}-expires`}>Expires after</label>
          <select id={`${id}-expires`} name="expiresInHours" className="pl-input" defaultValue={24 * 7}>
            {LIFETIMES.map((lifetime) => (
              <option key={lifetime.hours} value={lifetime.hours}>
                {lifetime.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="pl-button pl-button-primary" disabled={create.isPending}>
          Create invite link
        </button>
      </form>
      <ErrorAlert error={create.error} />
      {created ? (
        <div className="admin-secret" role="status">
          <p>
            <strong>Copy this link now:</strong> it is shown only once. Anyone who has it can create an account
            {policy === "invite" ? "." : " once registration is by invite."}
          </p>
          <div className="admin-secret-row">
            <input className="pl-input" readOnly value={created} aria-label="New invite link" />
            <button
              type="button"
              className="pl-button"
              onClick={() => void navigator.clipboard?.writeText(created).then(() => setCopied(true))}
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        </div>
      ) : null}
      <ErrorAlert error={invites.error ?? revoke.error} />
      {invites.data && invites.data.length > 0 ? (
        <div className="admin-table-wrap">
          <table className="admin-table">
            <caption className="pl-visually-hidden">Invite links, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Used</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="pl-visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invites.data.map((invite) => (
                <tr key={invite.id}>
                  <td>{dateTime(invite.createdAt)}</td>
                  <td>{dateTime(invite.expiresAt)}</td>
                  <td>
                    {invite.uses} of {invite.maxUses}
                  </td>
                  <td>{STATE_WORDS[invite.state]}</td>
                  <td>
                    {invite.state === "active" ? (
                      <button type="button" className="pl-button" onClick={() => setRevoking(invite.id)}>
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : invites.data ? (
        <p className="pl-hint">No invite links yet.</p>
      ) : null}
      {revoking !== null ? (
        <ModalDialog title="Revoke invite link" onClose={() => setRevoking(null)}>
          <h2 className="pl-dialog-title">Revoke this invite link?</h2>
          <p>Nobody will be able to create an account with it any more. Accounts it created stay.</p>
          <div className="pl-dialog-buttons">
            <button type="button" className="pl-button" onClick={() => setRevoking(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="pl-button pl-button-danger"
              disabled={revoke.isPending}
              onClick={() => revoke.mutate({ id: revoking })}
            >
              Revoke
            </button>
          </div>
        </ModalDialog>
      ) : null}
    </section>
  );
}
