import { signOut } from "next-auth/react";
import { SIGN_IN_PATH } from "@/auth/paths";
import { forgetQueuedMessages } from "./outbox";
import { clearDrafts } from "./use-draft";

let leaving = false;

/**
 * Leaves the signed-in app for the sign-in page, once: a refused token and the realtime server
 * closing the socket can both ask for it at the same moment.
 */
export function leaveForSignIn(): void {
  if (leaving) return;
  leaving = true;
  window.location.assign(SIGN_IN_PATH);
}

/**
 * Signs out (next-auth clears the cookie and, see auth/options.ts, revokes the API token), drops
 * the messages still waiting to be sent in this tab, then leaves. The socket closes as soon as the token is revoked, maybe before the sign-out response is
 * in: that close must not navigate away while the response that clears the cookie is on its way.
 */
export async function signOutAndLeave(): Promise<void> {
  if (leaving) return;
  leaving = true;
  forgetQueuedMessages();
  clearDrafts();
  try {
    await signOut({ redirect: false });
  } finally {
    window.location.assign(SIGN_IN_PATH);
  }
}
