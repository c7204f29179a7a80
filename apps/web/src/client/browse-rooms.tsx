"use client";

import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Hash } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { roomHref } from "./app-shell";
import { ErrorAlert } from "./error-alert";
import { SearchField } from "./search-field";
import { useTRPC } from "./trpc";
import { useDebounced } from "./use-debounced";

/** Public rooms to search and join, and the form to create a room. */
export function BrowseRooms() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim());
  const mine = useQuery(trpc.rooms.mine.queryOptions());
  const memberOf = new Set((mine.data ?? []).map((room) => room.id));
  const rooms = useInfiniteQuery(
    trpc.rooms.public.infiniteQueryOptions(
      { search: term || undefined, limit: 20 },
      // While a new search loads, the rooms found before stay listed (not "Loading…"): a room found
      // by both keeps its card and button, so a click on it as the answer arrives is not lost.
      // Asked again on every visit (staleTime 0): rooms made and member counts changed since show.
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData, staleTime: 0 },
    ),
  );
  // The list does not show what the search box says yet (typed, or asked and not answered).
  const searching = search.trim() !== term || rooms.isPlaceholderData;
  const openRoom = (roomId: number) => {
    void queryClient.invalidateQueries({ queryKey: trpc.rooms.mine.queryKey() });
    router.push(roomHref(roomId));
  };
  const join = useMutation(trpc.rooms.join.mutationOptions({ onSuccess: (room) => openRoom(room.id) }));
  const items = rooms.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section className="page">
      <h1>Rooms</h1>
      <CreateRoomForm onCreated={openRoom} />
      <h2 id="public-rooms">Public rooms</h2>
      <SearchField id="room-search" label="Search rooms" value={search} onChange={setSearch} />
      <ErrorAlert error={join.error} />
      <ErrorAlert error={rooms.error} />
      <ul className="card-list" aria-labelledby="public-rooms" aria-busy={searching}>
        {items.map((room) => (
          <li key={room.id} className="card">
            <span className="card-title">
              <Hash size={15} aria-hidden className="card-title-icon" /> {room.name}
            </span>
            <span className="card-meta">{room.memberCount === 1 ? "1 member" : `${room.memberCount} members`}</span>
            {memberOf.has(room.id) ? (
              <Link className="pl-button" href={roomHref(room.id)}>
                Open
              </Link>
            ) : (
              <button
                type="button"
                className="pl-button pl-button-primary"
                onClick={() => join.mutate({ roomId: room.id })}
                disabled={join.isPending}
                aria-label={`Join ${room.name}`}
              >
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
      {rooms.isPending ? <p className="pl-hint">Loading…</p> : null}
      {!rooms.isPending && items.length === 0 ? (
        <p className="pl-hint">
          {term ? `No public room matches “${term}”.` : "No public rooms yet: create the first."}
        </p>
      ) : null}
      {rooms.hasNextPage ? (
        <button
          type="button"
          className="pl-button"
          onClick={() => rooms.fetchNextPage()}
          disabled={rooms.isFetchingNextPage}
        >
          More rooms
        </button>
      ) : null}
    </section>
  );
}

function CreateRoomForm({ onCreated }: { onCreated: (roomId: number) => void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.rooms.create.mutationOptions({ onSuccess: (room) => onCreated(room.id) }));
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ name: String(form.get("name") ?? ""), isPrivate: form.get("private") === "on" });
  }
  return (
    <form className="create-room" onSubmit={submit}>
      <h2>Create a room</h2>
      <ErrorAlert error={create.error} />
      <div className="pl-field">
        <label htmlFor="room-name">Room name</label>
        <input id="room-name" name="name" className="pl-input" required maxLength={64} autoComplete="off" />
      </div>
      <div className="checkbox-field">
        <input id="room-private" name="private" type="checkbox" />
        <label htmlFor="room-private">Private</label>
        <span className="pl-hint">Only people you invite can find and join it.</span>
      </div>
      <button type="submit" className="pl-button pl-button-primary" disabled={create.isPending}>
        Create room
      </button>
    </form>
  );
}
