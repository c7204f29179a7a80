"use client";

import type { RouterOutputs } from "@parley/api";
import { ModalDialog } from "@parley/ui";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { dateOf } from "./admin-parts";
import { ErrorAlert } from "./error-alert";
import { useTRPC, useTRPCClient } from "./trpc";

type AccessToken = RouterOutputs["admin"]["userTokens"][number];

/** The expiries offered for a bot's new token, in days (null: it never expires). */
const EXPIRY_CHOICES: { label: string; days: number | null }[] = [
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
  { label: "1 year", days: 365 },
  { label: "No expiry", days: null },
];
const DAY_MS = 86_400_000;

/**
 * An account's personal access tokens, for an administrator: name, prefix, created, expiry and last
 * use (never the secret), each revocable after an inline confirmation. For a person's account
 * (`admin.userTokens`, `admin.revokeUserToken`) every token can also be revoked at once; for a
 * bot's (`bot`: `bots.tokens`, `bots.revokeToken`, `bots.createToken`) a new token can be created,
 * its secret shown this once with a copy button.
 */
export function AdminTokensDialog({
  account,
  bot = false,
  onClose,
}: {
  account: { id: number; username: string };
  bot?: boolean;
  onClose: () => void;
}) {
  const id = useId();
  const trpc = useTRPC();
  const api = useTRPCClient();
  const queryClient = useQueryClient();
  const title = `Tokens of @${account.username}`;
  const tokens = useQuery(
    bot
      ? trpc.bots.tokens.queryOptions({ botId: account.id }, { staleTime: 0 })
      : trpc.admin.userTokens.queryOptions({ userId: account.id }, { staleTime: 0 }),
  );
  // A token's change shows in every administration list (the bots' token counts, the audit log).
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.admin.pathFilter()),
      queryClient.invalidateQueries(trpc.bots.pathFilter()),
    ]);
  const [confirming, setConfirming] = useState<number | "all" | null>(null);
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const revoke = useMutation({
    mutationFn: async (tokenId: number | "all") => {
      if (tokenId === "all") return api.admin.revokeUserTokens.mutate({ userId: account.id });
      if (bot) return api.bots.revokeToken.mutate({ botId: account.id, tokenId });
      return api.admin.revokeUserToken.mutate({ userId: account.id, tokenId });
    },
    onSuccess: async () => {
      setConfirming(null);
      await refresh();
    },
  });
  const create = useMutation(
    trpc.bots.createToken.mutationOptions({
      onSuccess: async (answer) => {
        setCreated({ token: answer.token, name: answer.accessToken.name });
        setCopied(false);
        await refresh();
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = String(form.get("expiry") ?? "");
    setCreated(null);
    revoke.reset();
    create.mutate({
      botId: account.id,
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
  const list = tokens.data ?? [];
  return (
    <ModalDialog title={title} onClose={onClose} className="admin-dialog admin-tokens-dialog">
      <h2 className="pl-dialog-title">{title}</h2>
      <p className="pl-hint">
        {bot
          ? "A bot acts only through its tokens. Revoking one stops whatever uses it at once, open connections included."
          : "Personal access tokens act as this account without its password. Revoking one stops whatever uses it at once, open connections included."}
      </p>
      {bot ? (
        <form onSubmit={submit} className="admin-token-create">
          <div className="pl-field">
            <label htmlFor={`${id}-name`}>Token name</label>
            <input
              id={`${id}-name`}
              name="name"
              className="pl-input"
              required
              maxLength={100}
              placeholder="e.g. deploy pipeline"
              autoComplete="off"
              onChange={() => create.reset()}
            />
          </div>
          <div className="pl-field">
            <label htmlFor={`${id}-expiry`}>Expires after</label>
            <select id={`${id}-expiry`} name="expiry" className="pl-input" defaultValue="90">
              {EXPIRY_CHOICES.map((choice) => (
                <option key={choice.label} value={choice.days === null ? "never" : String(choice.days)}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="pl-button pl-button-primary" disabled={create.isPending}>
            Create token
          </button>
        </form>
      ) : null}
      <ErrorAlert error={create.error ?? revoke.error ?? tokens.error} />
      {created ? (
        <div className="access-token-new" role="status">
          <p>
            <strong>Copy the new token “{created.name}” now.</strong> It will not be shown again. Anyone who has it can
            act as @{account.username}.
          </p>
          <div className="inline-field">
            <input
              className="pl-input access-token-secret"
              readOnly
              value={created.token}
              aria-label="The new token"
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
      {tokens.isPending ? (
        <p className="pl-hint">Loading…</p>
      ) : list.length === 0 ? (
        <p className="pl-hint">No tokens.</p>
      ) : (
        <ul className="access-token-list admin-token-list" aria-label={title}>
          {list.map((token) => (
            <TokenRow
              key={token.id}
              token={token}
              now={now}
              confirming={confirming === token.id}
              busy={revoke.isPending}
              onRevoke={() => {
                revoke.reset();
                setConfirming(token.id);
              }}
              onCancel={() => setConfirming(null)}
              onConfirm={() => revoke.mutate(token.id)}
            />
          ))}
        </ul>
      )}
      <div className="pl-dialog-buttons admin-tokens-buttons">
        {!bot && list.length > 1 ? (
          confirming === "all" ? (
            <fieldset className="admin-confirm-inline" aria-label="Revoke every token">
              <span>Revoke all {list.length} tokens?</span>
              <button type="button" className="pl-button" onClick={() => setConfirming(null)}>
                Keep them
              </button>
              <button
                type="button"
                className="pl-button pl-button-danger"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate("all")}
              >
                Revoke all
              </button>
            </fieldset>
          ) : (
            <button
              type="button"
              className="pl-button pl-button-danger"
              onClick={() => {
                revoke.reset();
                setConfirming("all");
              }}
            >
              Revoke all…
            </button>
          )
        ) : null}
        <button type="button" className="pl-button" onClick={onClose}>
          Close
        </button>
      </div>
    </ModalDialog>
  );
}

function TokenRow({
  token,
  now,
  confirming,
  busy,
  onRevoke,
  onCancel,
  onConfirm,
}: {
  token: AccessToken;
  now: number;
  confirming: boolean;
  busy: boolean;
  onRevoke: () => void;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const expired = token.expiresAt !== null && new Date(token.expiresAt).getTime() <= now;
  return (
    <li className="access-token">
      <div className="access-token-about">
        <span className="access-token-name">{token.name}</span>
        <code className="access-token-prefix">{token.prefix}…</code>
        <span className="card-meta">
          created {dateOf(token.createdAt)} ·{" "}
          {token.expiresAt === null ? "never expires" : `${expired ? "expired" : "expires"} ${dateOf(token.expiresAt)}`}{" "}
          · {token.lastUsedAt ? `last used ${dateOf(token.lastUsedAt)}` : "never used"}
        </span>
      </div>
      {confirming ? (
        <fieldset className="admin-confirm-inline" aria-label={`Revoke ${token.name}`}>
          <span>Revoke it?</span>
          <button type="button" className="pl-button admin-action" onClick={onCancel}>
            Keep
          </button>
          <button type="button" className="pl-button admin-action pl-button-danger" disabled={busy} onClick={onConfirm}>
            Revoke
          </button>
        </fieldset>
      ) : (
        <button
          type="button"
          className="pl-button admin-action pl-button-danger"
          aria-label={`Revoke ${token.name}`}
          onClick={onRevoke}
        >
          Revoke
        </button>
      )}
    </li>
  );
}
