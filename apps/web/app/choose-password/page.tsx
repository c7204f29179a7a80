import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { HOME_PATH, SIGN_IN_PATH } from "@/auth/paths";
import { currentSession } from "@/auth/session";
import { ChoosePasswordForm } from "@/client/choose-password-form";

// Who is signed in, and whether their password was reset, decides.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Choose a new password" };

/** Where a user whose password an administrator reset lands: nothing else works until they choose one. */
export default async function ChoosePasswordPage() {
  const session = await currentSession();
  if (!session) redirect(SIGN_IN_PATH);
  if (!session.user.mustChangePassword) redirect(HOME_PATH);
  return (
    <main className="auth-page">
      <ChoosePasswordForm username={session.user.username} />
    </main>
  );
}
