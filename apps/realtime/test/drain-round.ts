import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { MAX_CALLS_PER_FRAME } from "@parley/realtime-server";
import { TRPCClientError } from "@trpc/client";
import { expect } from "vitest";
import { httpClient, wsClient } from "./clients";
import type { RunningServer } from "./processes";

/** How one `messages.send` made before a SIGTERM ended, by its clientId. */
export type SendOutcome = "stored" | "restarting" | `other: ${string}`;

export interface DrainRound {
  /** Each call's clientId and how it ended. */
  outcomes: Map<string, SendOutcome>;
  /** How many calls had been answered when the SIGTERM was sent. */
  answeredBeforeSigterm: number;
}

/**
 * The race of a shutdown with work in flight: `sockets` typed tRPC WebSocket clients each send
 * `callsPerSocket` messages (each with a clientId; at most MAX_CALLS_PER_FRAME per tick, as the
 * typed client puts every call of a tick in one frame), and `server` gets SIGTERM `sigtermAfterMs`
 * after the first of them, or once `sigtermAfterAnswers` of them were answered (so that the rest
 * are surely in flight). Resolves once every call ended and the process exited.
 */
export async function shutdownWithSendsInFlight(
  server: RunningServer,
  {
    sockets = 4,
    callsPerSocket = 40,
    sigtermAfterMs = 50,
    sigtermAfterAnswers,
    frameEveryMs = 2,
  }: {
    sockets?: number;
    callsPerSocket?: number;
    sigtermAfterMs?: number;
    sigtermAfterAnswers?: number;
    /** The pause between one socket's frames: longer, and frames still come during the drain. */
    frameEveryMs?: number;
  } = {},
): Promise<DrainRound> {
  const username = `u${randomBytes(4).toString("hex")}`;
  const http = httpClient(server.url);
  const { token } = await http.auth.register.mutate({ username, password: "pw-pw-pw" });
  const room = await httpClient(server.url, token).rooms.create.mutate({ name: `drain-${username}` });
  const clients = Array.from({ length: sockets }, () => wsClient(server.url, token));
  await Promise.all(clients.map(({ client }) => client.auth.me.query()));

  const outcomes = new Map<string, SendOutcome>();
  const exited = once(server.process, "exit");
  let answeredBeforeSigterm = -1;
  const kill = () => {
    if (answeredBeforeSigterm >= 0) return;
    answeredBeforeSigterm = outcomes.size;
    server.process.kill("SIGTERM");
  };
  const sigterm = sigtermAfterAnswers === undefined ? setTimeout(kill, sigtermAfterMs) : undefined;
  const answered = (clientId: string, outcome: SendOutcome) => {
    outcomes.set(clientId, outcome);
    if (outcomes.size === sigtermAfterAnswers) kill();
  };
  const calls: Promise<void>[] = [];
  for (let sent = 0; sent < callsPerSocket; sent += MAX_CALLS_PER_FRAME) {
    clients.forEach(({ client }, socket) => {
      for (let n = sent; n < Math.min(callsPerSocket, sent + MAX_CALLS_PER_FRAME); n++) {
        const clientId = `${username}-${socket}-${n}`;
        const text = `message ${n} on socket ${socket}`;
        calls.push(
          client.messages.send.mutate({ roomId: room.id, text, clientId }).then(
            () => answered(clientId, "stored"),
            (error: unknown) => {
              const code = error instanceof TRPCClientError ? (error.data as { code?: string })?.code : undefined;
              const restarting = code === "SERVICE_UNAVAILABLE" && /restarting/.test(String(error));
              answered(clientId, restarting ? "restarting" : `other: ${code} ${String(error)}`);
            },
          ),
        );
      }
    });
    // The typed client sends what it queued on a timer of 0 ms: the next chunk goes in another frame.
    await new Promise((resolve) => setTimeout(resolve, frameEveryMs));
  }
  await Promise.all(calls);
  await exited;
  clearTimeout(sigterm);
  for (const { ws } of clients) await ws.close();
  return { outcomes, answeredBeforeSigterm };
}

/**
 * What a drained shutdown promises: every call ended answered (stored, or refused with the clear
 * "restarting" error), and the messages stored are exactly those acknowledged, each once.
 */
export function expectDrained(round: DrainRound, stored: string[]) {
  const { outcomes } = round;
  const others = [...outcomes].filter(([, outcome]) => outcome !== "stored" && outcome !== "restarting");
  expect(others.slice(0, 5)).toEqual([]);
  const acknowledged = [...outcomes].filter(([, outcome]) => outcome === "stored").map(([id]) => id);
  const mine = stored.filter((id) => outcomes.has(id));
  expect(new Set(mine).size).toBe(mine.length); // no duplicates
  expect(mine.sort()).toEqual(acknowledged.sort()); // stored ⇔ acknowledged
}
