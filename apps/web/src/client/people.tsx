"use client";

import { AvatarButton, BotMark, PresenceDot } from "@parley/ui";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorAlert } from "./error-alert";
import { usePresences } from "./presence";
import { useOpenProfile } from "./profile-card";
import { SearchField } from "./search-field";
import { useViewer } from "./session-context";
import { useTRPC } from "./trpc";
import { useDebounced } from "./use-debounced";
import { useOpenDirect } from "./use-open-direct";

/** The user directory: find someone, look at their card, start (or reopen) a direct conversation. */
export function People() {
  const trpc = useTRPC();
  const viewer = useViewer();
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim());
  const people = useInfiniteQuery(
    trpc.users.list.infiniteQueryOptions(
      { search: term || undefined, limit: 30 },
      // Read whenever the page opens (people I share no room with rename unheard); my own stream
      // applies the renames of those I do share one with while it is open.
      { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const open = useOpenDirect();
  const openProfile = useOpenProfile();
  const items = (people.data?.pages.flatMap((page) => page.items) ?? []).filter(
    (user) => user.id !== viewer.id && !user.deleted,
  );
  const presenceOf = usePresences(items.map((user) => user.id));

  return (
    <section className="page">
      <h1>People</h1>
      <SearchField id="people-search" label="Search people" value={search} onChange={setSearch} />
      <ErrorAlert error={open.error} />
      <ul className="card-list">
        {items.map((user) => (
          <li key={user.id} className="card">
            {/* The name is the keyboard's way to the card; the avatar is a larger target for the pointer. */}
            <AvatarButton
              name={user.displayName ?? user.username}
              label={`Profile of ${user.displayName ?? user.username}`}
              onClick={() => openProfile(user)}
            />
            <PresenceDot status={presenceOf(user.id)} />
            <span className="card-title">
              <button type="button" className="pl-name-button" onClick={() => openProfile(user)}>
                {user.displayName ?? user.username}
              </button>
              {user.isBot ? (
                <>
                  {" "}
                  <BotMark />
                </>
              ) : null}
              {user.displayName ? <span className="card-meta"> @{user.username}</span> : null}
            </span>
            <button
              type="button"
              className="pl-button"
              onClick={() => open.mutate({ user: { userId: user.id } })}
              disabled={open.isPending}
              aria-label={`Message ${user.username}`}
            >
              Message
            </button>
          </li>
        ))}
      </ul>
      {people.isPending ? <p className="pl-hint">Loading…</p> : null}
      {!people.isPending && items.length === 0 ? (
        <p className="pl-hint">{term ? `No one matches “${term}”.` : "No one else is here yet."}</p>
      ) : null}
      {people.hasNextPage ? (
        <button
          type="button"
          className="pl-button"
          onClick={() => people.fetchNextPage()}
          disabled={people.isFetchingNextPage}
        >
          More people
        </button>
      ) : null}
    </section>
  );
}
