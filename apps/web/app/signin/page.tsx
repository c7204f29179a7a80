import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { HOME_PATH } from "@/auth/paths";
import { currentSession } from "@/auth/session";
import { AuthForm } from "@/client/auth-form";

// Who is signed in decides: the form, or straight on to the chat.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Sign in" };

export default async function SigninPage() {
  if (await currentSession()) redirect(HOME_PATH);
  return (
    <main className="auth-page">
      <AuthForm mode="signin" />
    </main>
  );
}
