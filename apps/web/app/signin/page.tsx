import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Sign in" };

// Placeholder: the form arrives with the web UI.
export default function SigninPage() {
  return (
    <main style={{ maxWidth: 640, margin: "0 auto", padding: "48px 16px" }}>
      <h1>Sign in</h1>
      <p>This page is not built yet.</p>
      <p>
        <Link href="/">Back to the start</Link> · <Link href="/signup">Create an account</Link>
      </p>
    </main>
  );
}
