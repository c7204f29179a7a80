import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Create an account" };

// Placeholder: the form arrives with the web UI.
export default function SignupPage() {
  return (
    <main style={{ maxWidth: 640, margin: "0 auto", padding: "48px 16px" }}>
      <h1>Create an account</h1>
      <p>This page is not built yet.</p>
      <p>
        <Link href="/">Back to the start</Link> · <Link href="/signin">Sign in instead</Link>
      </p>
    </main>
  );
}
