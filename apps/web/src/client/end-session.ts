import { signOut } from "next-auth/react";
import { SIGN_IN_PATH } from "@/auth/paths";
import { forgetQueuedMessages } from "./outbox";
import { clearDrafts } from "./use-draft";

let leaving = false;

/** Forgets what this tab kept of the person: messages waiting to be sent, and drafts. */
function forgetUnsent(): void {
  forgetQueuedMessages();
  clearDrafts();
}

/**
 * Leaves the signed-in app for the sign-in page, once: a refused token and the realtime server
 * closing the socket can both ask for it at the same moment. The session has ended (signed out
 * elsewhere, a password change), so what the tab kept unsent is forgotten as on signing out.
 */
export function leaveForSignIn(): void {
  if (leaving) return;
  leaving = true;
  forgetUnsent();
  window.location.assign(SIGN_IN_PATH);
}

/**
 * Signs out (next-auth clears the cookie and, see auth/options.ts, revokes the API token), drops
 * the messages still waiting to be sent in this tab and every draft, then leaves. The socket closes as soon as the token is revoked, maybe before the sign-out response is
 * in: that close must not navigate away while the response that clears the cookie is on its way.
 */
export async function signOutAndLeave(): Promise<void> {
  if (leaving) return;
  leaving = true;
  forgetUnsent();
  try {
    await signOut({ redirect: false });
  } finally {
    window.location.assign(SIGN_IN_PATH);
  }
}
