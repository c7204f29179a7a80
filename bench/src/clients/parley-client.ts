import WebSocket from "ws";
import { type ConnectOptions, type Publisher, rawSubscriber, type Subscriber, wsUrl } from "./raw-client";

/**
 * Parley's tRPC-over-WebSocket protocol by hand: the token in `?token=`, then
 * `{"id":1,"method":"subscription","params":{"path":"events.room","input":{"roomId":n}}}`
 * (and `events.mine` as id 2 when asked). Live once the room stream's `live` event arrives (it is
 * yielded after the bus subscription and the replay). Answers keep-alive `PING`s with `PONG`.
 * Presence is per user (`events.presence`, which these subscribers do not open): the room streams
 * carry none.
 */
export function parleySubscriber(
  baseUrl: string,
  token: string,
  roomId: number,
  options: ConnectOptions & { withUserStream?: boolean },
): Subscriber {
  let roomLive = false;
  let mineLive = !options.withUserStream;
  const { ws, subscriber } = rawSubscriber(
    `${wsUrl(baseUrl)}/trpc?token=${token}`,
    {
      ...options,
      onFrame(frame) {
        if (frame === "PING") return ws.send("PONG");
        options.onFrame?.(frame);
      },
    },
    (socket) => {
      socket.send(
        JSON.stringify({ id: 1, method: "subscription", params: { path: "events.room", input: { roomId } } }),
      );
      if (options.withUserStream)
        socket.send(JSON.stringify({ id: 2, method: "subscription", params: { path: "events.mine" } }));
    },
    (frame, socket) => {
      if (frame === "PING") {
        socket.send("PONG");
        return "continue";
      }
      if (frame.includes('"error"')) return new Error(`subscription refused: ${frame.slice(0, 300)}`);
      if (frame.startsWith('{"id":1,') && frame.includes('"type":"live"')) roomLive = true;
      if (frame.startsWith('{"id":2,') && frame.includes('"started"')) mineLive = true;
      return roomLive && mineLive ? "ready" : "continue";
    },
  );
  return subscriber;
}

/**
 * `messages.send` as tRPC mutations over one WebSocket. `publish` does not wait for the answer
 * (open loop); `call` does (closed loop, for the send path); `mutate` calls any other procedure
 * (`messages.edit`, `messages.react`, …) over the same socket and waits for its answer, rejecting
 * with the error frame's first 300 characters.
 */
export function parleyPublisher(
  baseUrl: string,
  token: string,
  roomId: number,
): Publisher & {
  call(body: string): Promise<void>;
  mutate(procedure: string, input: unknown): Promise<void>;
} {
  const ws = new WebSocket(`${wsUrl(baseUrl)}/trpc?token=${token}`, { perMessageDeflate: false });
  const pending = new Map<number, { resolve(): void; reject(error: Error): void }>();
  let errors = 0;
  let id = 0;
  ws.on("message", (data) => {
    const frame = data.toString();
    if (frame === "PING") return ws.send("PONG");
    const answered = Number(/^\{"id":(\d+)/.exec(frame)?.[1]);
    const failed = frame.includes('"error"');
    if (failed) errors++;
    const waiter = pending.get(answered);
    if (!waiter) return;
    pending.delete(answered);
    if (failed) waiter.reject(new Error(frame.slice(0, 300)));
    else waiter.resolve();
  });
  const ready = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  /** Sends one mutation (`input` already JSON) and answers its request id. */
  const request = (procedure: string, input: string) => {
    id++;
    ws.send(`{"id":${id},"method":"mutation","params":{"path":"${procedure}","input":${input}}}`);
    return id;
  };
  const send = (body: string, room = roomId) => request("messages.send", JSON.stringify({ roomId: room, text: body }));
  const answered = (requestId: number) =>
    new Promise<void>((resolve, reject) => {
      pending.set(requestId, { resolve, reject });
    });
  return {
    ready,
    publish: (body, room) => void send(body, room),
    call: (body) => answered(send(body)),
    mutate: (procedure, input) => answered(request(procedure, JSON.stringify(input))),
    get errors() {
      return errors;
    },
    close: () => ws.terminate(),
  };
}
