import { InviteSecret } from "@parley/api/schemas";
import { registration } from "@parley/api/services";
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { HOME_PATH, SIGN_IN_PATH } from "@/auth/paths";
import { processRuntime } from "@/auth/runtime";
import { currentSession } from "@/auth/session";
import { AuthForm } from "@/client/auth-form";

// Who is signed in, the server's registration policy and the invite decide what shows.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Create an account" };

/**
 * The sign-up form, as the registration policy allows: open, by an invite link (`?invite=`), or
 * closed, when the page says so instead of offering a form that could only fail.
 */
export default async function SignupPage({ searchParams }: { searchParams: Promise<{ invite?: string | string[] }> }) {
  if (await currentSession()) redirect(HOME_PATH);
  const asked = (await searchParams).invite;
  const invite = InviteSecret.safeParse(Array.isArray(asked) ? asked[0] : asked);
  const { deps } = await processRuntime();
  const state = await registration.registrationState(deps, invite.success ? invite.data : undefined);
  const refusal =
    state.policy === "closed"
      ? "Registration is closed on this server. Ask an administrator for an account."
      : state.policy === "invite" && asked === undefined
        ? "This server registers people by invitation. Open the invite link an administrator gave you."
        : state.policy === "invite" && !state.inviteValid
          ? "This invite link is not valid any more: it has expired, been used up or been revoked. Ask an administrator for a new one."
          : null;
  return (
    <main className="auth-page">
      {refusal ? (
        <section className="auth-card" aria-labelledby="signup-title">
          <h1 id="signup-title">Create your account</h1>
          <p className="auth-note" role="status">
            {refusal}
          </p>
          <p className="auth-switch">
            Have an account? <Link href={SIGN_IN_PATH}>Sign in</Link>
          </p>
        </section>
      ) : (
        <AuthForm mode="signup" {...(state.policy === "invite" && invite.success ? { invite: invite.data } : {})} />
      )}
    </main>
  );
}
