"use client";

import type { AppRouter } from "@parley/api";
import { createTRPCClient, httpLink } from "@trpc/client";
import { type FormEvent, useState } from "react";
import { signOutAndLeave } from "./end-session";
import { messageOf } from "./errors";

/**
 * "Choose a new password", after an administrator reset it: the temporary password and a new one,
 * sent with `auth.changePassword` over HTTP (the session cookie authenticates it; this page opens no
 * socket, since nothing else answers such a session). Every session then ends, this one too: the
 * person signs in again with the new password.
 */
export function ChoosePasswordForm({ username }: { username: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const newPassword = String(form.get("newPassword") ?? "");
    if (newPassword !== String(form.get("repeatPassword") ?? "")) {
      setError("The two new passwords differ.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: "/trpc" })] });
      await client.auth.changePassword.mutate({
        currentPassword: String(form.get("currentPassword") ?? ""),
        newPassword,
      });
      await signOutAndLeave();
    } catch (failure) {
      setBusy(false);
      setError(messageOf(failure));
    }
  }

  return (
    <form className="auth-card" onSubmit={submit} onChange={() => setError(null)}>
      <h1>Choose a new password</h1>
      <p className="pl-hint">
        An administrator reset the password of <strong>@{username}</strong>. Enter the temporary password you were given
        and choose your own; then sign in with it.
      </p>
      {error ? (
        <p className="pl-alert" role="alert">
          {error}
        </p>
      ) : null}
      <div className="pl-field">
        <label htmlFor="currentPassword">Temporary password</label>
        <input
          id="currentPassword"
          name="currentPassword"
          type="password"
          className="pl-input"
          autoComplete="current-password"
          required
        />
      </div>
      <div className="pl-field">
        <label htmlFor="newPassword">New password</label>
        <input
          id="newPassword"
          name="newPassword"
          type="password"
          className="pl-input"
          autoComplete="new-password"
          minLength={4}
          maxLength={256}
          required
        />
      </div>
      <div className="pl-field">
        <label htmlFor="repeatPassword">New password again</label>
        <input
          id="repeatPassword"
          name="repeatPassword"
          type="password"
          className="pl-input"
          autoComplete="new-password"
          required
        />
      </div>
      <button type="submit" className="pl-button pl-button-primary auth-submit" disabled={busy}>
        Save the new password
      </button>
      <button type="button" className="pl-button auth-submit" onClick={() => signOutAndLeave()}>
        Sign out
      </button>
    </form>
  );
}
