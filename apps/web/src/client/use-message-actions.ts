"use client";

import { useCallback, useState } from "react";
import { messageOf } from "./errors";
import { useTRPCClient } from "./trpc";

/**
 * The writes a reader makes to messages: edit, delete, react, unreact, pin and unpin. Their results
 * come back on the room's stream (each a change with its sequence number, applied in order there),
 * so answers are not applied here: an answer can be overtaken by a later change. A failure is kept
 * in words, for the page to show.
 */
export function useMessageActions() {
  const client = useTRPCClient();
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(async (what: string, call: () => Promise<unknown>): Promise<string | null> => {
    try {
      await call();
      setError(null);
      return null;
    } catch (failure) {
      const text = `Could not ${what}: ${messageOf(failure)}`;
      setError(text);
      return text;
    }
  }, []);

  return {
    error,
    clearError: useCallback(() => setError(null), []),
    edit: useCallback(
      (messageId: number, text: string) =>
        run("edit the message", () => client.messages.edit.mutate({ messageId, text })),
      [client, run],
    ),
    remove: useCallback(
      (messageId: number) => run("delete the message", () => client.messages.delete.mutate({ messageId })),
      [client, run],
    ),
    react: useCallback(
      (messageId: number, emoji: string, add: boolean) =>
        run(add ? "add the reaction" : "remove the reaction", () =>
          add
            ? client.messages.react.mutate({ messageId, emoji })
            : client.messages.unreact.mutate({ messageId, emoji }),
        ),
      [client, run],
    ),
    pin: useCallback(
      (messageId: number, pin: boolean) =>
        run(pin ? "pin the message" : "unpin the message", () =>
          pin ? client.messages.pin.mutate({ messageId }) : client.messages.unpin.mutate({ messageId }),
        ),
      [client, run],
    ),
  };
}
