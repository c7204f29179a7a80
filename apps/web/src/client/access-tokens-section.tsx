"use client";

import type { RouterOutputs } from "@parley/api";
import { ConfirmDialog } from "@parley/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ErrorAlert } from "./error-alert";
import { messageOf } from "./errors";
import { useTRPC } from "./trpc";

type AccessToken = RouterOutputs["tokens"]["list"][number];

/** The expiries offered when creating a token, in days (null: it never expires). */
const EXPIRY_CHOICES: { label: string; days: number | null }[] = [
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
  { label: "1 year", days: 365 },
  { label: "No expiry", days: null },
];
const DAY_MS = 86_400_000;

const dateOf = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });

/**
 * The "Personal access tokens" section of the profile page: create a token (a name and an expiry),
 * see its secret once with a copy button, list the tokens (never their secrets) and revoke one
 * after a confirmation. A token acts as its owner on every API (tRPC, REST, WebSocket).
 */
export function AccessTokensSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (answer) => {
        setCreated({ token: answer.token, name: answer.accessToken.name });
        setCopied(false);
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: () => void refresh() }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = String(form.get("expiry") ?? "");
    setCreated(null);
    revoke.reset();
    create.mutate({
      name: String(form.get("name") ?? ""),
      expiresAt: days === "never" ? null : new Date(Date.now() + Number(days) * DAY_MS).toISOString(),
    });
    event.currentTarget.reset();
  }

  async function copy(token: string) {
    try {
      await navigator.clipboard.writeText(token);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const now = Date.now();
  return (
    <section className="profile-form access-tokens" aria-labelledby="access-tokens-title">
      <h2 id="access-tokens-title">Personal access tokens</h2>
      <p className="pl-hint">
        A token lets a script or tool act as you on Parley's API (HTTP, REST and WebSocket), without your password.
        Changing your password does not end a token: revoke it here.
      </p>
      <form onSubmit={submit} className="access-token-create">
        <div className="pl-field">
          <label htmlFor="token-name">Token name</label>
          <input
            id="token-name"
            name="name"
            className="pl-input"
            required
            maxLength={100}
            placeholder="e.g. deploy script"
            autoComplete="off"
          />
        </div>
        <div className="pl-field">
          <label htmlFor="token-expiry">Expires after</label>
          <div className="inline-field">
            <select id="token-expiry" name="expiry" className="pl-input" defaultValue="30">
              {EXPIRY_CHOICES.map((choice) => (
                <option key={choice.label} value={choice.days === null ? "never" : String(choice.days)}>
                  {choice.label}
                </option>
              ))}
            </select>
            <button type="submit" className="pl-button pl-button-primary" disabled={create.isPending}>
              Create token
            </button>
          </div>
        </div>
      </form>
      <ErrorAlert error={create.error ?? revoke.error} />
      {created ? (
        <div className="access-token-new" role="status">
          <p>
            <strong>Copy your new token “{created.name}” now.</strong> You will not be able to see it again. Anyone who
            has it can act as you: keep it secret.
          </p>
          <div className="inline-field">
            <input
              className="pl-input access-token-secret"
              readOnly
              value={created.token}
              aria-label="Your new token"
              onFocus={(event) => event.currentTarget.select()}
            />
            <button type="button" className="pl-button pl-button-primary" onClick={() => void copy(created.token)}>
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" className="pl-button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <h3 className="access-tokens-list-title">Your tokens</h3>
      {tokens.isError ? (
        <p className="pl-hint">{messageOf(tokens.error)}</p>
      ) : !tokens.data ? (
        <p className="pl-hint">Loading…</p>
      ) : tokens.data.length === 0 ? (
        <p className="pl-hint">No tokens yet.</p>
      ) : (
        <ul className="access-token-list" aria-label="Your tokens">
          {tokens.data.map((token) => {
            const expired = token.expiresAt !== null && new Date(token.expiresAt).getTime() <= now;
            return (
              <li key={token.id} className="access-token">
                <div className="access-token-about">
                  <span className="access-token-name">{token.name}</span>
                  <code className="access-token-prefix">{token.prefix}…</code>
                  <span className="card-meta">
                    Created {dateOf(token.createdAt)} ·{" "}
                    {token.expiresAt === null
                      ? "never expires"
                      : `${expired ? "expired" : "expires"} ${dateOf(token.expiresAt)}`}{" "}
                    · {token.lastUsedAt ? `last used ${dateOf(token.lastUsedAt)}` : "never used"}
                  </span>
                </div>
                <button
                  type="button"
                  className="pl-button pl-button-danger"
                  onClick={() => setRevoking(token)}
                  aria-label={`Revoke ${token.name}`}
                >
                  Revoke
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          body={
            <p>
              Anything using this token stops working at once, open connections included. This cannot be undone: a new
              token would have to be created.
            </p>
          }
          confirm="Revoke"
          onConfirm={() => revoke.mutate({ tokenId: revoking.id })}
          onClose={() => setRevoking(null)}
        />
      ) : null}
    </section>
  );
}
