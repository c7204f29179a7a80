import { type Actor, AppError, type Deps, type Logger } from "@parley/api";
import { publicError } from "@parley/api/errors";
import { type MessageOut, MessageText } from "@parley/api/schemas";
import { live, messages, rooms } from "@parley/api/services";
import type { WebSocket } from "ws";
import { type Drain, restartingError } from "../socket/drain";

export interface SeedNames {
  systemUserName: string;
  errorUserName: string;
}

export interface SeedSocketDeps {
  deps: Deps;
  log: Logger;
  names: SeedNames;
  /** The process's calls in flight: each frame counts from its arrival until it was handled. */
  drain?: Drain;
}

/** Reads one text frame of a seed dialect; what it throws is answered with an error frame. */
export type FrameHandler = (raw: string) => Promise<unknown>;

/**
 * What every seed WebSocket dialect shares: the socket, its frame queue (frames handled one at a
 * time, in order, and none lost while the dialect is still opening), error frames from the error
 * user, and the room the socket follows (its history after a point, then live).
 */
export class SeedConnection {
  /** The room the socket follows, if any. */
  roomId: number | null = null;
  private following: AbortController | null = null;
  private readonly closed = new AbortController();
  private readonly queue: { text: string; binary: boolean; done?: () => void }[] = [];
  private handle: FrameHandler | null = null;
  private busy = false;

  constructor(
    readonly parts: SeedSocketDeps,
    private readonly ws: WebSocket,
    readonly url: URL,
    readonly actor: Actor | null,
  ) {
    ws.once("close", () => this.closed.abort());
    ws.on("message", (data, binary) => {
      // A shutdown answers the frames already read; one that arrives during it is refused.
      const inFlight = this.parts.drain;
      if (inFlight?.draining) return this.fail(restartingError());
      this.queue.push({ text: String(data), binary, done: inFlight?.track() });
      void this.drain();
    });
  }

  get deps(): Deps {
    return this.parts.deps;
  }

  get names(): SeedNames {
    return this.parts.names;
  }

  send(frame: unknown) {
    this.ws.send(JSON.stringify(frame));
  }

  deliver(frame: unknown) {
    this.deps.metrics.deliveries.inc();
    this.send(frame);
  }

  /** Answers an error with a frame from the error user; the connection stays open. */
  fail = (error: unknown) => {
    const { message, ours } = publicError(error);
    if (ours) this.parts.log.error({ err: error, path: this.url.pathname }, "seed websocket frame failed");
    this.send({
      type: "error",
      Type: "error",
      username: this.names.errorUserName,
      content: message,
      Text: message,
      error: message,
    });
  };

  /** Closes the socket because the dialect could not open (the error frame first). */
  failToOpen(error: unknown) {
    for (const frame of this.queue.splice(0)) frame.done?.(); // never to be handled
    this.fail(error);
    this.ws.close(1008, error instanceof AppError ? error.message.slice(0, 120) : "cannot open this conversation");
  }

  needActor(): Actor {
    if (!this.actor) throw new AppError("UNAUTHENTICATED", "sign in first: connect with ?token=<jwt>");
    return this.actor;
  }

  /** Starts reading frames with `handle`, beginning with those that arrived while opening. */
  async start(handle: FrameHandler) {
    this.handle = handle;
    await this.drain();
  }

  private async drain() {
    if (this.busy || !this.handle) return;
    this.busy = true;
    for (let frame = this.queue.shift(); frame !== undefined; frame = this.queue.shift()) {
      await (frame.binary ? refuseBinary() : this.handle(frame.text)).catch(this.fail);
      frame.done?.();
    }
    this.busy = false;
  }

  /**
   * Streams a room to the socket in `format` until another room is followed: everything after
   * `afterSeq` (so a joiner sees its own join notice, as in the seeds), then live.
   */
  follow(id: number, format: (m: MessageOut) => unknown, afterSeq?: number) {
    const { deps, actor, names } = this;
    this.following?.abort();
    const stop = new AbortController();
    this.following = stop;
    this.roomId = id;
    const signal = AbortSignal.any([stop.signal, this.closed.signal]);
    deps.metrics.subscriptions.inc();
    void (async () => {
      if (actor) {
        const lastEventId = afterSeq === undefined ? null : String(afterSeq);
        for await (const { event } of live.roomEvents(deps, actor, { roomId: id, lastEventId }, signal)) {
          // Seed clients know new messages only: never changes, and never a message replayed as
          // the tombstone it has become (a reply is a plain message to them).
          if (event.type === "message" && event.message.deletedAt === null) this.deliver(format(event.message));
        }
      } else {
        // Listening without a token: public rooms only (the lobby), live only.
        const events = await live.listenToPublicRoom(deps, id, signal);
        this.send({
          type: "system",
          Type: "system",
          username: names.systemUserName,
          content: "listening to the lobby",
        });
        for await (const message of events) this.deliver(format(message));
      }
    })()
      .catch((error: unknown) => {
        if (!signal.aborted) this.fail(error);
      })
      .finally(() => deps.metrics.subscriptions.dec());
  }

  /** Joins (public rooms, or private ones the caller was invited to) and follows from just before. */
  async joinAndFollow(id: number, format: (m: MessageOut) => unknown) {
    const me = this.needActor();
    const before = await rooms.getRoom(this.deps, me, id);
    await rooms.joinRoom(this.deps, me, id);
    this.follow(id, format, before.lastSeq);
  }

  /** Leaves the room the socket follows. */
  async leave() {
    if (this.roomId === null) throw new AppError("BAD_INPUT", "you are in no room");
    const left = this.roomId;
    this.following?.abort();
    this.roomId = null;
    await rooms.leaveRoom(this.deps, this.needActor(), left);
  }

  /** Says `text` in the room the socket follows. */
  sendText = async (text: unknown) => {
    if (this.roomId === null) throw new AppError("BAD_INPUT", "join a room first");
    await messages.sendMessage(this.deps, this.needActor(), { roomId: this.roomId, text: MessageText.parse(text) });
  };
}

async function refuseBinary(): Promise<never> {
  throw new AppError("BAD_INPUT", "binary frames are not read: send text");
}
