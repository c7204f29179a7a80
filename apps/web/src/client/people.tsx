"use client";

import { Avatar, PresenceDot } from "@parley/ui";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { roomHref } from "./app-shell";
import { ErrorAlert } from "./error-alert";
import { usePresences } from "./presence";
import { SearchField } from "./search-field";
import { useViewer } from "./session-context";
import { useTRPC } from "./trpc";
import { useDebounced } from "./use-debounced";

/** The user directory: find someone and start (or reopen) a direct conversation. */
export function People() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
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
  const open = useMutation(
    trpc.direct.open.mutationOptions({
      onSuccess: (conversation) => {
        void queryClient.invalidateQueries({ queryKey: trpc.direct.list.queryKey() });
        router.push(roomHref(conversation.room.id));
      },
    }),
  );
  const items = (people.data?.pages.flatMap((page) => page.items) ?? []).filter((user) => user.id !== viewer.id);
  const presenceOf = usePresences(items.map((user) => user.id));

  return (
    <section className="page">
      <h1>People</h1>
      <SearchField id="people-search" label="Search people" value={search} onChange={setSearch} />
      <ErrorAlert error={open.error} />
      <ul className="card-list">
        {items.map((user) => (
          <li key={user.id} className="card">
            <Avatar name={user.displayName ?? user.username} />
            <PresenceDot status={presenceOf(user.id)} />
            <span className="card-title">
              {user.displayName ?? user.username}
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
