import { AppError } from "@parley/api";
import { seedTextOf } from "@parley/api/compat";
import { UsernameRef } from "@parley/api/schemas";
import { direct, live } from "@parley/api/services";
import type { FrameHandler, SeedConnection } from "./connection";

/** How many earlier messages a seed 004 chat shows when it opens. */
const RECENT_DIRECT_MESSAGES = 50;

/** The username in a `/chats/{username}` path, or undefined for any other path. */
export const chatsWith = (pathname: string) => /^\/chats\/([^/]+)$/.exec(pathname)?.[1];

/**
 * `/chats/{username}` (seed 004): the direct conversation with that user, raw text in,
 * `{"from","body","sent_at"}` out.
 */
export async function openDirectChat(c: SeedConnection, withUser: string): Promise<FrameHandler> {
  const me = c.needActor();
  const username = UsernameRef.parse(decodePathPart(withUser));
  const conversation = await direct.openDirect(c.deps, me, { username });
  // Opening the chat shows its recent messages first, then new ones live: nothing sent just
  // before (or while) the socket opened is missed. (A room's sequence numbers count edits,
  // reactions and the like too, which the seed's frames leave out.)
  // At most a replay's worth back, though: beyond RESUME_MAX_EVENTS the stream would answer reset
  // and the chat would open with nothing (a busy conversation's reactions and edits count too).
  const recent = Math.max(
    await live.seqBeforeRecentMessages(c.deps.db, conversation.room.id, RECENT_DIRECT_MESSAGES),
    conversation.room.lastSeq - c.deps.live.resumeLimit,
  );
  c.follow(
    conversation.room.id,
    (m) => ({
      from: m.author?.username ?? c.names.systemUserName,
      body: seedTextOf(m),
      sent_at: Math.floor(Date.parse(m.createdAt) / 1000),
    }),
    recent,
  );
  return c.sendText;
}

/** A percent-encoded piece of a path, decoded; malformed encoding is the client's mistake. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AppError("BAD_INPUT", "the path is not valid percent-encoding");
  }
}
