"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { roomHref } from "./app-shell";
import { useTRPC } from "./trpc";

/**
 * Starts (or reopens) the direct conversation with a person (`direct.open`) and goes to it; the
 * sidebar's list of direct conversations is read again. `onOpened` runs before the navigation.
 * Returns the mutation: `mutate({ user: { userId } })`, `isPending`, `error` (shown by the caller).
 */
export function useOpenDirect(onOpened?: () => void) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.direct.open.mutationOptions({
      onSuccess: (conversation) => {
        void queryClient.invalidateQueries({ queryKey: trpc.direct.list.queryKey() });
        onOpened?.();
        router.push(roomHref(conversation.room.id));
      },
    }),
  );
}
