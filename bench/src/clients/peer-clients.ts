import WebSocket from "ws";
import { type ConnectOptions, type Publisher, rawSubscriber, type Subscriber, wsUrl } from "./raw-client";

/**
 * Socket.IO's protocol by hand over `ws` (Engine.IO 4, WebSocket transport): "0{…}" open → "40"
 * connect; "2" ping → "3" pong; events are `42["name",data]`. The peer joins the `?room=` and
 * then emits `ready`.
 */
export function socketIoSubscriber(
  baseUrl: string,
  token: string,
  roomId: number,
  options: ConnectOptions,
): Subscriber {
  const { ws, subscriber } = rawSubscriber(
    socketIoUrl(baseUrl, token, roomId),
    {
      ...options,
      onFrame(frame) {
        if (frame === "2") return ws.send("3");
        options.onFrame?.(frame);
      },
    },
    () => {},
    socketIoHandshake,
  );
  return subscriber;
}

const socketIoUrl = (baseUrl: string, token: string, roomId?: number) =>
  `${wsUrl(baseUrl)}/socket.io/?EIO=4&transport=websocket&token=${token}${roomId ? `&room=${roomId}` : ""}`;

function socketIoHandshake(frame: string, ws: WebSocket): "ready" | "continue" | Error {
  if (frame.startsWith("0{")) ws.send("40");
  else if (frame === "2") ws.send("3");
  else if (frame.startsWith("44")) return new Error(`connect refused: ${frame}`);
  else if (frame === '42["ready"]') return "ready";
  return "continue";
}

export function socketIoPublisher(baseUrl: string, token: string, roomId: number): Publisher {
  const { ws, subscriber } = rawSubscriber(
    socketIoUrl(baseUrl, token),
    {
      onFrame(frame) {
        if (frame === "2") ws.send("3");
      },
    },
    () => {},
    socketIoHandshake,
  );
  return {
    ready: subscriber.ready,
    publish: (body, room = roomId) => ws.send(`42${JSON.stringify(["msg", { room, body }])}`),
    errors: 0,
    close: () => subscriber.close(),
  };
}

/** The raw ws peer's protocol: `?room=&token=`, `{"ready":true}`, then the published frames as they are. */
export function wsSubscriber(baseUrl: string, token: string, roomId: number, options: ConnectOptions): Subscriber {
  return rawSubscriber(
    `${wsUrl(baseUrl)}/?room=${roomId}&token=${token}`,
    options,
    () => {},
    (frame) => (frame === '{"ready":true}' ? "ready" : "continue"),
  ).subscriber;
}

export function wsPublisher(baseUrl: string, token: string, roomId: number): Publisher {
  const ws = new WebSocket(`${wsUrl(baseUrl)}/?token=${token}`, { perMessageDeflate: false });
  const ready = new Promise<void>((resolve, reject) => {
    ws.on("message", (data) => {
      if (data.toString() === '{"ready":true}') resolve();
    });
    ws.once("error", reject);
  });
  return {
    ready,
    publish: (body, room = roomId) => ws.send(JSON.stringify({ room, body })),
    errors: 0,
    close: () => ws.terminate(),
  };
}
