"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
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

  function submitName(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get("displayName") ?? "").trim();
    setSaved(null);
    update.mutate({ displayName: value === "" ? null : value });
  }
  function submitUsername(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(null);
    rename.mutate({ username: String(new FormData(event.currentTarget).get("username") ?? "") });
  }

  if (!profile.data)
    return <section className="page">{profile.isError ? messageOf(profile.error) : "Loading…"}</section>;
  const error = update.error ?? rename.error;
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
      <p className="pl-hint">
        Signed up {new Date(profile.data.createdAt).toLocaleDateString()}
        {profile.data.email ? ` · ${profile.data.email}` : ""}
      </p>
    </section>
  );
}
