"use client";

import type { RouterOutputs } from "@parley/api";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Badge, ConfirmDialog, dateOf, MoreButton, type Pending } from "./admin-parts";
import { AdminTokensDialog } from "./admin-tokens-dialog";
import { ErrorAlert } from "./error-alert";
import { SearchField } from "./search-field";
import { useTRPC, useTRPCClient } from "./trpc";
import { useDebounced } from "./use-debounced";

type AdminBot = RouterOutputs["bots"]["search"]["items"][number];

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The administration's "Bots" tab: create a bot (an account with no password that acts only through
 * tokens), find bots a page at a time (`bots.search`: who created each, its rooms, its working
 * tokens), disable, enable or delete one, and manage its tokens in a dialog.
 */
export function AdminBots() {
  const id = useId();
  const trpc = useTRPC();
  const api = useTRPCClient();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim());
  const [pending, setPending] = useState<Pending | null>(null);
  const [tokensOf, setTokensOf] = useState<AdminBot | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const bots = useInfiniteQuery(
    trpc.bots.search.infiniteQueryOptions(
      { search: term || undefined, limit: 25 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const items = bots.data?.pages.flatMap((page) => page.items) ?? [];
  const create = useMutation(
    trpc.bots.create.mutationOptions({
      onSuccess: async (bot) => {
        setMade(bot.username);
        await Promise.all([
          queryClient.invalidateQueries(trpc.bots.pathFilter()),
          queryClient.invalidateQueries(trpc.admin.pathFilter()),
        ]);
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const displayName = String(data.get("displayName") ?? "").trim();
    setMade(null);
    create.mutate(
      { username: String(data.get("username") ?? "").replace(/^@/, ""), displayName: displayName || undefined },
      { onSuccess: () => form.reset() },
    );
  }

  function actionsOf(bot: AdminBot): { label: string; pending: Pending }[] {
    const who = <strong>@{bot.username}</strong>;
    return [
      bot.disabledAt
        ? {
            label: "Enable",
            pending: {
              title: "Enable bot",
              text: <>{who}'s tokens that are neither revoked nor expired work again.</>,
              confirm: "Enable",
              run: () => api.admin.enableUser.mutate({ userId: bot.id }),
            },
          }
        : {
            label: "Disable",
            pending: {
              title: "Disable bot",
              text: (
                <>
                  {who}'s tokens are refused until it is enabled again, and its open connections close at once. Its
                  messages stay.
                </>
              ),
              confirm: "Disable",
              danger: true,
              run: () => api.admin.disableUser.mutate({ userId: bot.id }),
            },
          },
      {
        label: "Delete",
        pending: {
          title: "Delete bot",
          text: (
            <>
              {who} is deleted for good: every token of it is revoked at once and it can no longer act. Its messages
              stay.
            </>
          ),
          confirm: "Delete bot",
          danger: true,
          run: () => api.bots.delete.mutate({ botId: bot.id }),
        },
      },
    ];
  }

  return (
    <>
      <section className="admin-section admin-bot-create" aria-labelledby={`${id}-create`}>
        <h2 id={`${id}-create`}>New bot</h2>
        <p className="pl-hint">A bot has no password: it acts only through the tokens you give it here.</p>
        <form onSubmit={submit} className="admin-invite-form" onChange={() => create.reset()}>
          <div className="pl-field">
            <label htmlFor={`${id}-username`}>Username</label>
            <input
              id={`${id}-username`}
              name="username"
              className="pl-input"
              required
              minLength={2}
              maxLength={32}
              autoComplete="off"
              placeholder="e.g. ci-bot"
            />
          </div>
          <div className="pl-field">
            <label htmlFor={`${id}-display`}>Display name (optional)</label>
            <input id={`${id}-display`} name="displayName" className="pl-input" maxLength={64} autoComplete="off" />
          </div>
          <button type="submit" className="pl-button pl-button-primary" disabled={create.isPending}>
            Create bot
          </button>
        </form>
        <ErrorAlert error={create.error} className="pl-field-error" />
        {made ? (
          <p className="pl-hint" role="status">
            Bot @{made} created. Give it a token with its Tokens button below.
          </p>
        ) : null}
      </section>
      <h2 className="admin-list-title">Bots</h2>
      <SearchField id="admin-bot-search" label="Search bots by name" value={search} onChange={setSearch} />
      <ErrorAlert error={bots.error} />
      <ul className="card-list" aria-label="Bots">
        {items.map((bot) => (
          <li key={bot.id} className="card admin-card">
            <div className="admin-card-main">
              <span className="card-title">
                {bot.displayName ?? bot.username}
                <span className="card-meta"> @{bot.username}</span>
              </span>
              <span className="admin-badges">
                <Badge>bot</Badge>
                {bot.disabledAt ? <Badge tone="warn">disabled</Badge> : null}
              </span>
              <span className="card-meta admin-card-detail">
                created {dateOf(bot.createdAt)}
                {bot.createdBy ? ` by @${bot.createdBy.username}` : ""} · {plural(bot.roomCount, "room", "rooms")} ·{" "}
                {plural(bot.activeTokenCount, "working token", "working tokens")}
              </span>
            </div>
            <div className="admin-actions">
              <button
                type="button"
                className="pl-button admin-action"
                aria-label={`Tokens of @${bot.username}`}
                onClick={() => setTokensOf(bot)}
              >
                Tokens
              </button>
              {actionsOf(bot).map(({ label, pending: p }) => (
                <button
                  key={label}
                  type="button"
                  className={`pl-button admin-action${p.danger ? " pl-button-danger" : ""}`}
                  aria-label={`${label} @${bot.username}`}
                  onClick={() => setPending(p)}
                >
                  {label}
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
      {bots.isPending ? <p className="pl-hint">Loading…</p> : null}
      {!bots.isPending && items.length === 0 ? (
        <p className="pl-hint">{term ? `No bot matches “${term}”.` : "No bots yet."}</p>
      ) : null}
      <MoreButton query={bots} label="More bots" />
      {pending ? <ConfirmDialog pending={pending} onClose={() => setPending(null)} /> : null}
      {tokensOf ? <AdminTokensDialog account={tokensOf} bot onClose={() => setTokensOf(null)} /> : null}
    </>
  );
}
