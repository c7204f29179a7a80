"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { AccessTokensSection } from "./access-tokens-section";
import { signOutAndLeave } from "./end-session";
import { ErrorAlert } from "./error-alert";
import { messageOf } from "./errors";
import { useTRPC } from "./trpc";

/** Change the display name and the username. */
export function ProfileForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const profile = useQuery(trpc.profile.mine.queryOptions());
  const [saved, setSaved] = useState<string | null>(null);
  const onSaved = (what: string) => {
    setSaved(what);
    void queryClient.invalidateQueries({ queryKey: trpc.profile.mine.queryKey() });
    router.refresh(); // the header shows the username from the session
  };
  const update = useMutation(trpc.profile.update.mutationOptions({ onSuccess: () => onSaved("Display name saved.") }));
  const rename = useMutation(trpc.profile.rename.mutationOptions({ onSuccess: () => onSaved("Username changed.") }));
  // Every session ends with the old password, this one too: sign in again with the new one.
  const changePassword = useMutation(trpc.auth.changePassword.mutationOptions({ onSuccess: () => signOutAndLeave() }));

  function submitName(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get("displayName") ?? "").trim();
    setSaved(null);
    update.mutate({ displayName: value === "" ? null : value });
  }
  function submitPassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(null);
    const form = new FormData(event.currentTarget);
    changePassword.mutate({
      currentPassword: String(form.get("currentPassword") ?? ""),
      newPassword: String(form.get("newPassword") ?? ""),
    });
  }
  function submitUsername(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(null);
    const username = String(new FormData(event.currentTarget).get("username") ?? "");
    // Nothing to ask the server: the same name is no change (a change of case is one).
    if (username.trim() === profile.data?.username) {
      rename.reset();
      setSaved("That is already your username.");
      return;
    }
    rename.mutate({ username });
  }

  if (!profile.data)
    return <section className="page">{profile.isError ? messageOf(profile.error) : "Loading…"}</section>;
  const error = update.error ?? rename.error ?? changePassword.error;
  return (
    <section className="page">
      <h1>Your profile</h1>
      <ErrorAlert error={error} />
      {saved ? (
        <p className="pl-hint" role="status">
          {saved}
        </p>
      ) : null}
      <form className="profile-form" onSubmit={submitName} key={`name-${profile.data.updatedAt}`}>
        <div className="pl-field">
          <label htmlFor="display-name">Display name</label>
          <div className="inline-field">
            <input
              id="display-name"
              name="displayName"
              className="pl-input"
              defaultValue={profile.data.displayName ?? ""}
              maxLength={64}
            />
            <button type="submit" className="pl-button pl-button-primary" disabled={update.isPending}>
              Save
            </button>
          </div>
          <span className="pl-hint">Shown beside your messages; leave empty to show your username.</span>
        </div>
      </form>
      <form className="profile-form" onSubmit={submitUsername} key={`username-${profile.data.updatedAt}`}>
        <div className="pl-field">
          <label htmlFor="username">Username</label>
          <div className="inline-field">
            <input
              id="username"
              name="username"
              className="pl-input"
              defaultValue={profile.data.username}
              required
              minLength={2}
              maxLength={32}
            />
            <button type="submit" className="pl-button pl-button-primary" disabled={rename.isPending}>
              Save
            </button>
          </div>
          <span className="pl-hint">People find you by it; rooms you are in are told of the change.</span>
        </div>
      </form>
      <form className="profile-form" onSubmit={submitPassword}>
        <div className="pl-field">
          <label htmlFor="current-password">Current password</label>
          <input
            id="current-password"
            name="currentPassword"
            type="password"
            className="pl-input"
            autoComplete="current-password"
            required
          />
        </div>
        <div className="pl-field">
          <label htmlFor="new-password">New password</label>
          <div className="inline-field">
            <input
              id="new-password"
              name="newPassword"
              type="password"
              className="pl-input"
              autoComplete="new-password"
              required
              minLength={4}
              maxLength={256}
            />
            <button type="submit" className="pl-button pl-button-primary" disabled={changePassword.isPending}>
              Change password
            </button>
          </div>
          <span className="pl-hint">Signs you out everywhere, here too: then sign in with the new password.</span>
        </div>
      </form>
      <AccessTokensSection />
      <p className="pl-hint">
        Signed up {new Date(profile.data.createdAt).toLocaleDateString()}
        {profile.data.email ? ` · ${profile.data.email}` : ""}
      </p>
    </section>
  );
}
