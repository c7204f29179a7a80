import { type PresenceStatus, presenceChannel, type StopSignal, userChannel } from "../bus";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type { PresenceInput } from "../schemas";

/** One watched user's status. */
export interface UserPresence {
  userId: number;
  status: PresenceStatus;
}

/**
 * What a presence stream carries: first (and again after the bus reconnected) a `snapshot` of every
 * watched user's status, then a `change` each time one of them changes.
 */
export type PresenceStreamEvent = { type: "snapshot"; statuses: UserPresence[] } | ({ type: "change" } & UserPresence);

/**
 * The caller's presence and their view of others': counts the caller's connection (idle when
 * `input.away`) for as long as the stream runs, and yields the watched users' statuses, then each
 * change of them. Any signed-in user may watch any user (as `users.list` shows anybody).
 * Subscribes to the watched users' presence channels before it reads the snapshot, so no change is
 * missed; one heard before the snapshot is yielded after it (the last word is the truth). Fails
 * when the caller's token is revoked.
 */
export async function* presenceEvents(
  deps: Pick<Deps, "bus" | "presence">,
  actor: Actor,
  input: PresenceInput,
  signal: StopSignal,
): AsyncGenerator<PresenceStreamEvent> {
  const userIds = [...new Set(input.userIds)];
  const stream = await deps.bus.subscribe([userChannel(actor.userId), ...userIds.map(presenceChannel)], signal);
  const snapshot = async (): Promise<PresenceStreamEvent> => {
    const statuses = await deps.presence.statuses(userIds);
    return { type: "snapshot", statuses: userIds.map((userId, i) => ({ userId, status: statuses[i] ?? "offline" })) };
  };
  const disconnect = await deps.presence.connect(actor.userId, input.away);
  try {
    yield await snapshot();
    for await (const event of stream) {
      switch (event.type) {
        case "presence":
          yield { type: "change", userId: event.userId, status: event.status };
          break;
        case "bus.resync":
          yield await snapshot();
          break;
        case "user.session-revoked":
          if (event.jti === actor.jti) throw new AppError("UNAUTHENTICATED", "this session has ended: log in again");
          break;
      }
    }
  } finally {
    await disconnect();
  }
}
