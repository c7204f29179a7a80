import Link from "next/link";
import { redirect } from "next/navigation";
import { HOME_PATH, SIGN_IN_PATH, SIGN_UP_PATH } from "@/auth/paths";
import { currentSession } from "@/auth/session";

// Browser pages live under /signin, /signup and /chat: the paths of the seed compatibility API
// (/register, /login, /rooms, /ws, ...) are served by the API, not by this app.
export const dynamic = "force-dynamic";

export default async function HomePage() {
  if (await currentSession()) redirect(HOME_PATH);
  return (
    <main className="landing">
      <h1>Parley</h1>
      <p className="landing-lead">
        Real-time chat you run yourself: public and private rooms, direct conversations, and history kept in your own
        database. No message lost, even when the connection drops.
      </p>
      <nav aria-label="Get started" className="landing-actions">
        <Link href={SIGN_UP_PATH} className="pl-button pl-button-primary">
          Create an account
        </Link>
        <Link href={SIGN_IN_PATH} className="pl-button">
          Sign in
        </Link>
      </nav>
    </main>
  );
}
