"use client";

import Link from "next/link";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { HOME_PATH, SIGN_IN_PATH, SIGN_UP_PATH } from "@/auth/paths";

/** next-auth's own codes, for failures that did not come with Parley's words. */
const NEXT_AUTH_ERRORS: Record<string, string> = {
  CredentialsSignin: "wrong username, e-mail or password",
  Configuration: "the server is not configured for sign-in; see its log",
};

/**
 * The sign-in and sign-up forms: both end signed in, on the chat. `invite`: the invite link's
 * secret the sign-up page was opened with, sent with the new account.
 */
export function AuthForm({ mode, invite }: { mode: "signin" | "signup"; invite?: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signingUp = mode === "signup";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? "");
    setBusy(true);
    setError(null);
    const result = await signIn("credentials", {
      redirect: false,
      mode,
      ...(signingUp
        ? { username: field("username"), email: field("email"), password: field("password"), invite: invite ?? "" }
        : { login: field("username"), password: field("password") }),
    }).catch(() => ({ ok: false, error: "the server could not be reached; try again" }));
    if (result?.ok && !result.error) {
      window.location.assign(HOME_PATH);
      return;
    }
    setBusy(false);
    const code = result?.error ?? "CredentialsSignin";
    setError(NEXT_AUTH_ERRORS[code] ?? code);
  }

  return (
    // An old error is about what the form said then: it goes as soon as the form changes.
    <form className="auth-card" onSubmit={submit} onChange={() => setError(null)} noValidate={false}>
      <h1>{signingUp ? "Create your account" : "Sign in to Parley"}</h1>
      {invite ? <p className="pl-hint">You were invited by an administrator of this server.</p> : null}
      {error ? (
        <p className="pl-alert" role="alert">
          {capitalized(error)}
        </p>
      ) : null}
      <div className="pl-field">
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          className="pl-input"
          autoComplete="username"
          required
          minLength={signingUp ? 2 : 1}
          maxLength={signingUp ? 32 : 254}
          aria-describedby={signingUp ? "username-hint" : undefined}
        />
        {signingUp ? (
          <span id="username-hint" className="pl-hint">
            2–32 letters, digits, “_”, “.” or “-”.
          </span>
        ) : (
          <span className="pl-hint">Or the e-mail address of your account.</span>
        )}
      </div>
      {signingUp ? (
        <div className="pl-field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" className="pl-input" autoComplete="email" maxLength={254} />
          <span className="pl-hint">Optional: lets you sign in with it.</span>
        </div>
      ) : null}
      <div className="pl-field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          className="pl-input"
          autoComplete={signingUp ? "new-password" : "current-password"}
          required
          minLength={signingUp ? 4 : 1}
          maxLength={256}
        />
      </div>
      <button type="submit" className="pl-button pl-button-primary auth-submit" disabled={busy}>
        {signingUp ? "Create account" : "Sign in"}
      </button>
      <p className="auth-switch">
        {signingUp ? (
          <>
            Have an account? <Link href={SIGN_IN_PATH}>Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href={SIGN_UP_PATH}>Create an account</Link>
          </>
        )}
      </p>
    </form>
  );
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
