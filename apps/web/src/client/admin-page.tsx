"use client";

import type { RouterOutputs } from "@parley/api";
import { useInfiniteQuery } from "@tanstack/react-query";
import { type KeyboardEvent, useId, useRef, useState } from "react";
import { AdminBots } from "./admin-bots";
import { Badge, ConfirmDialog, dateOf, MoreButton, type Pending } from "./admin-parts";
import { AdminTokensDialog } from "./admin-tokens-dialog";
import { ErrorAlert } from "./error-alert";
import { RegistrationAdmin } from "./registration-admin";
import { SearchField } from "./search-field";
import { useViewer } from "./session-context";
import { useTRPC, useTRPCClient } from "./trpc";
import { useDebounced } from "./use-debounced";

type AdminUser = RouterOutputs["admin"]["users"]["items"][number];
type AdminRoom = RouterOutputs["admin"]["rooms"]["items"][number];
type AuditRecord = RouterOutputs["admin"]["audit"]["items"][number];

const TABS = [
  { id: "users", label: "Users" },
  { id: "rooms", label: "Rooms" },
  { id: "bots", label: "Bots" },
  { id: "registration", label: "Registration" },
  { id: "audit", label: "Audit log" },
] as const;
type Tab = (typeof TABS)[number]["id"];

/** What the audit log records, in words, for its filter and its lines. */
const ACTIONS: Record<string, string> = {
  "user.promoted": "made an administrator",
  "user.demoted": "made a member",
  "user.disabled": "disabled",
  "user.enabled": "enabled",
  "user.deleted": "deleted",
  "user.password-reset": "password reset",
  "user.token-revoked": "access token revoked",
  "user.tokens-revoked": "every access token revoked",
  "room.deleted": "room deleted",
  "room.transferred": "room handed over",
  "registration.changed": "registration changed",
  "invite.created": "invite link created",
  "invite.revoked": "invite link revoked",
  "bot.created": "bot created",
  "bot.deleted": "bot deleted",
  "bot.token-created": "bot token created",
  "bot.token-revoked": "bot token revoked",
  "hook.created": "incoming webhook created",
  "hook.rotated": "incoming webhook given a new URL",
  "hook.deleted": "incoming webhook deleted",
};

/**
 * The administration, for administrators (the server answers anyone else NOT_FOUND): accounts,
 * rooms, bots, registration (policy and invite links) and the audit log, in five tabs (WAI-ARIA tabs: arrow
 * keys move between them). Every action asks for confirmation in a dialog first.
 */
export function AdminPage() {
  const [tab, setTab] = useState<Tab>("users");
  const id = useId();
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const at = TABS.findIndex((t) => t.id === tab);
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    const to =
      event.key === "Home" ? 0 : event.key === "End" ? TABS.length - 1 : (at + step + TABS.length) % TABS.length;
    if (!step && event.key !== "Home" && event.key !== "End") return;
    event.preventDefault();
    const next = TABS[to];
    if (!next) return;
    setTab(next.id);
    tabs.current[to]?.focus();
  }

  return (
    <section className="page admin-page">
      <h1>Administration</h1>
      <div role="tablist" aria-label="Administration" className="admin-tabs" onKeyDown={onKeyDown}>
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(element) => {
              tabs.current[i] = element;
            }}
            type="button"
            role="tab"
            id={`${id}-${t.id}-tab`}
            aria-selected={tab === t.id}
            aria-controls={tab === t.id ? `${id}-${t.id}-panel` : undefined}
            tabIndex={tab === t.id ? 0 : -1}
            className="admin-tab"
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-${tab}-panel`} aria-labelledby={`${id}-${tab}-tab`} className="admin-panel">
        {tab === "users" ? (
          <UsersPanel />
        ) : tab === "rooms" ? (
          <RoomsPanel />
        ) : tab === "bots" ? (
          <AdminBots />
        ) : tab === "registration" ? (
          <RegistrationAdmin />
        ) : (
          <AuditPanel />
        )}
      </div>
    </section>
  );
}

function UsersPanel() {
  const trpc = useTRPC();
  const api = useTRPCClient();
  const viewer = useViewer();
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim());
  const [pending, setPending] = useState<Pending | null>(null);
  const [tokensOf, setTokensOf] = useState<AdminUser | null>(null);
  const users = useInfiniteQuery(
    trpc.admin.users.infiniteQueryOptions(
      { search: term || undefined, limit: 25 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const items = users.data?.pages.flatMap((page) => page.items) ?? [];

  function actionsOf(user: AdminUser): { label: string; pending: Pending }[] {
    if (user.deletedAt) return [];
    const who = <strong>@{user.username}</strong>;
    const list: { label: string; pending: Pending }[] = [];
    list.push(
      user.role === "admin"
        ? {
            label: "Make member",
            pending: {
              title: "Remove administrator",
              text: <>{who} will no longer run the server.</>,
              confirm: "Make member",
              run: () => api.admin.setRole.mutate({ userId: user.id, role: "member" }),
            },
          }
        : {
            label: "Make administrator",
            pending: {
              title: "Make administrator",
              text: <>{who} will run the server: accounts, rooms and the audit log.</>,
              confirm: "Make administrator",
              run: () => api.admin.setRole.mutate({ userId: user.id, role: "admin" }),
            },
          },
    );
    if (user.id === viewer.id) return list;
    list.push(
      user.disabledAt
        ? {
            label: "Enable",
            pending: {
              title: "Enable account",
              text: <>{who} will be able to sign in again.</>,
              confirm: "Enable",
              run: () => api.admin.enableUser.mutate({ userId: user.id }),
            },
          }
        : {
            label: "Disable",
            pending: {
              title: "Disable account",
              text: (
                <>{who} is signed out everywhere at once and cannot sign in until enabled again. Their messages stay.</>
              ),
              confirm: "Disable",
              danger: true,
              run: () => api.admin.disableUser.mutate({ userId: user.id }),
            },
          },
    );
    if (!user.isBot) {
      list.push({
        label: "Reset password",
        pending: {
          title: "Reset password",
          text: (
            <>
              {who} is signed out everywhere, every personal access token of theirs is revoked, and they must choose a
              new password after signing in with this one.
            </>
          ),
          confirm: "Reset password",
          field: {
            label: "Temporary password",
            name: "temporaryPassword",
            type: "text",
            hint: "At least 4 characters. Give it to them yourself: Parley sends no e-mail.",
          },
          run: (temporaryPassword) => api.admin.resetPassword.mutate({ userId: user.id, temporaryPassword }),
        },
      });
    }
    list.push({
      label: "Delete",
      pending: {
        title: "Delete account",
        text: (
          <>
            {who} is deleted for good: name, e-mail and password are cleared, they leave their rooms and their direct
            conversations close. Their messages stay, shown as a deleted user.
          </>
        ),
        confirm: "Delete account",
        danger: true,
        run: () => api.admin.deleteUser.mutate({ userId: user.id }),
      },
    });
    return list;
  }

  return (
    <>
      <SearchField id="admin-user-search" label="Search users by name or e-mail" value={search} onChange={setSearch} />
      <ErrorAlert error={users.error} />
      <ul className="card-list" aria-label="Users">
        {items.map((user) => (
          <li key={user.id} className="card admin-card">
            <div className="admin-card-main">
              <span className="card-title">
                {user.deletedAt ? "deleted user" : (user.displayName ?? user.username)}
                <span className="card-meta"> @{user.username}</span>
                {user.id === viewer.id ? <span className="card-meta"> (you)</span> : null}
              </span>
              <span className="admin-badges">
                {user.role === "admin" ? <Badge>administrator</Badge> : null}
                {user.isBot ? <Badge>bot</Badge> : null}
                {user.disabledAt ? <Badge tone="warn">disabled</Badge> : null}
                {user.deletedAt ? <Badge tone="danger">deleted</Badge> : null}
                {user.mustChangePassword ? <Badge tone="warn">must change password</Badge> : null}
              </span>
              <span className="card-meta admin-card-detail">
                {user.email ? `${user.email} · ` : ""}joined {dateOf(user.createdAt)}
              </span>
            </div>
            <div className="admin-actions">
              {user.deletedAt ? null : (
                <button
                  type="button"
                  className="pl-button admin-action"
                  aria-label={`Tokens of @${user.username}`}
                  onClick={() => setTokensOf(user)}
                >
                  Tokens
                </button>
              )}
              {actionsOf(user).map(({ label, pending: p }) => (
                <button
                  key={label}
                  type="button"
                  className={`pl-button admin-action${p.danger ? " pl-button-danger" : ""}`}
                  aria-label={`${label} @${user.username}`}
                  onClick={() => setPending(p)}
                >
                  {label}
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
      {users.isPending ? <p className="pl-hint">Loading…</p> : null}
      {!users.isPending && items.length === 0 ? (
        <p className="pl-hint">{term ? `No account matches “${term}”.` : "No accounts."}</p>
      ) : null}
      <MoreButton query={users} label="More users" />
      {pending ? <ConfirmDialog pending={pending} onClose={() => setPending(null)} /> : null}
      {tokensOf ? <AdminTokensDialog account={tokensOf} onClose={() => setTokensOf(null)} /> : null}
    </>
  );
}

function RoomsPanel() {
  const trpc = useTRPC();
  const api = useTRPCClient();
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim());
  const [pending, setPending] = useState<Pending | null>(null);
  const rooms = useInfiniteQuery(
    trpc.admin.rooms.infiniteQueryOptions(
      { search: term || undefined, limit: 25 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const items = rooms.data?.pages.flatMap((page) => page.items) ?? [];

  function handOver(room: AdminRoom): Pending {
    return {
      title: "Hand over room",
      text: (
        <>
          Who should own <strong>{room.name}</strong>? They become a member if they are not one; the owner now stays a
          member.
        </>
      ),
      confirm: "Hand over",
      field: { label: "New owner's username", name: "username", type: "text" },
      run: (username) =>
        api.admin.transferRoom.mutate({ roomId: room.id, user: { username: username.replace(/^@/, "") } }),
    };
  }
  function remove(room: AdminRoom): Pending {
    return {
      title: "Delete room",
      text: (
        <>
          <strong>{room.name}</strong> and all its messages are deleted for good; its {room.memberCount}{" "}
          {room.memberCount === 1 ? "member loses" : "members lose"} it at once.
        </>
      ),
      confirm: "Delete room",
      danger: true,
      run: () => api.admin.deleteRoom.mutate({ roomId: room.id }),
    };
  }

  return (
    <>
      <SearchField id="admin-room-search" label="Search rooms by name" value={search} onChange={setSearch} />
      <ErrorAlert error={rooms.error} />
      <ul className="card-list" aria-label="Rooms">
        {items.map((room) => (
          <li key={room.id} className="card admin-card">
            <div className="admin-card-main">
              <span className="card-title">{room.name}</span>
              <span className="admin-badges">
                <Badge>{room.isPrivate ? "private" : "public"}</Badge>
                {room.builtin ? <Badge>Parley's own</Badge> : null}
              </span>
              <span className="card-meta admin-card-detail">
                {room.memberCount} {room.memberCount === 1 ? "member" : "members"} · owner{" "}
                {room.owner ? `@${room.owner.username}` : "none"} · created {dateOf(room.createdAt)}
              </span>
            </div>
            <div className="admin-actions">
              <button
                type="button"
                className="pl-button admin-action"
                aria-label={`Hand over ${room.name}`}
                onClick={() => setPending(handOver(room))}
              >
                Hand over
              </button>
              {room.builtin ? null : (
                <button
                  type="button"
                  className="pl-button admin-action pl-button-danger"
                  aria-label={`Delete ${room.name}`}
                  onClick={() => setPending(remove(room))}
                >
                  Delete
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {rooms.isPending ? <p className="pl-hint">Loading…</p> : null}
      {!rooms.isPending && items.length === 0 ? (
        <p className="pl-hint">{term ? `No room matches “${term}”.` : "No rooms yet."}</p>
      ) : null}
      <MoreButton query={rooms} label="More rooms" />
      {pending ? <ConfirmDialog pending={pending} onClose={() => setPending(null)} /> : null}
    </>
  );
}

/** One audit record in words: "@ann disabled user 12 (@bob)". */
function describe(record: AuditRecord): string {
  const detail = record.detail as Record<string, unknown>;
  const name =
    typeof detail.username === "string"
      ? `@${detail.username}`
      : typeof detail.name === "string"
        ? detail.name
        : `${record.targetType} ${record.targetId ?? ""}`;
  const to = typeof detail.toUsername === "string" ? ` to @${detail.toUsername}` : "";
  return `${ACTIONS[record.action] ?? record.action}: ${name}${to}`;
}

function AuditPanel() {
  const trpc = useTRPC();
  const id = useId();
  const [action, setAction] = useState("");
  const audit = useInfiniteQuery(
    trpc.admin.audit.infiniteQueryOptions(
      { action: action || undefined, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const items = audit.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <div className="pl-field">
        <label htmlFor={`${id}-action`}>Show</label>
        <select id={`${id}-action`} className="pl-input" value={action} onChange={(e) => setAction(e.target.value)}>
          <option value="">every action</option>
          {Object.entries(ACTIONS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <ErrorAlert error={audit.error} />
      <ol className="card-list" aria-label="Audit log">
        {items.map((record) => (
          <li key={record.id} className="card admin-card admin-audit">
            <div className="admin-card-main">
              <span className="card-title">{describe(record)}</span>
              <span className="card-meta admin-card-detail">
                by {record.actor ? `@${record.actor.username}` : "an account since deleted"} ·{" "}
                <time dateTime={record.createdAt}>{dateOf(record.createdAt)}</time>
              </span>
            </div>
          </li>
        ))}
      </ol>
      {audit.isPending ? <p className="pl-hint">Loading…</p> : null}
      {!audit.isPending && items.length === 0 ? <p className="pl-hint">Nothing recorded yet.</p> : null}
      <MoreButton query={audit} label="Older records" />
    </>
  );
}
