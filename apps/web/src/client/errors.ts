import { TRPCClientError } from "@trpc/client";

/** Words for the person in front of the screen, whatever went wrong. */
export function messageOf(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof TypeError) return "the server could not be reached; check your connection";
  return error instanceof Error ? error.message : "something went wrong";
}

/** Whether the session has ended (signed out elsewhere, expired): the app goes back to sign-in. */
export function isSessionEnded(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED";
}
