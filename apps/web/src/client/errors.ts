import { TRPCClientError } from "@trpc/client";

/**
 * Whether a call failed on the way rather than being answered: the browser could not reach the
 * server (fetch's TypeError, "Failed to fetch"), the call timed out or was abandoned, or the server
 * said it is restarting (SERVICE_UNAVAILABLE). Such a call may be made again as it was; a refusal may not.
 */
export function isLinkFailure(error: unknown): boolean {
  if (error instanceof TRPCClientError) {
    if (error.data) return error.data.code === "SERVICE_UNAVAILABLE";
    return isLinkFailure(error.cause);
  }
  if (error instanceof TypeError) return true;
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

/** Words for the person in front of the screen, whatever went wrong. */
export function messageOf(error: unknown): string {
  if (isLinkFailure(error) && !(error instanceof TRPCClientError && error.data)) {
    return "the server could not be reached; check your connection";
  }
  if (error instanceof TRPCClientError) return error.message;
  return error instanceof Error ? error.message : "something went wrong";
}

/** Whether the session has ended (signed out elsewhere, expired): the app goes back to sign-in. */
export function isSessionEnded(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED";
}
