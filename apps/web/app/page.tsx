import type { MessageOut } from "@parley/api/schemas";
import { MessageItem, MessageList } from "@parley/ui";
import Link from "next/link";

// Browser pages live under /signin, /signup and /chat: the paths of the seed compatibility API
// (/register, /login, /rooms, /ws, ...) are routed to the realtime server, not to this app.
const sample: MessageOut[] = [
  {
    id: 1,
    roomId: 1,
    seq: 1,
    kind: "system",
    author: null,
    body: "ada joined the room",
    notice: { event: "joined", userId: 1, username: "ada" },
    clientId: null,
    createdAt: "2025-01-01T09:00:00.000Z",
  },
  {
    id: 2,
    roomId: 1,
    seq: 2,
    kind: "text",
    author: { id: 1, username: "ada", displayName: "Ada Lovelace" },
    body: "Hello! Is this running on our own server?",
    notice: null,
    clientId: null,
    createdAt: "2025-01-01T09:00:12.000Z",
  },
  {
    id: 3,
    roomId: 1,
    seq: 3,
    kind: "text",
    author: { id: 2, username: "grace", displayName: null },
    body: "Yes: one docker compose up, and the messages never leave it.",
    notice: null,
    clientId: null,
    createdAt: "2025-01-01T09:00:30.000Z",
  },
];

const linkStyle = { padding: "8px 16px", borderRadius: 6, textDecoration: "none", fontWeight: 600 } as const;

export default function HomePage() {
  return (
    <main style={{ maxWidth: 640, margin: "0 auto", padding: "48px 16px" }}>
      <h1 style={{ marginBottom: 8 }}>Parley</h1>
      <p>
        Parley is a self-hostable, real-time chat server. Run it on your own machine and talk in public or private rooms
        and direct conversations, with history kept in your own database.
      </p>
      <nav aria-label="Account" style={{ display: "flex", gap: 12, margin: "24px 0" }}>
        <Link href="/signin" style={{ ...linkStyle, background: "#2563eb", color: "#fff" }}>
          Sign in
        </Link>
        <Link href="/signup" style={{ ...linkStyle, border: "1px solid #2563eb", color: "#2563eb" }}>
          Create an account
        </Link>
      </nav>
      <section aria-labelledby="preview" style={{ background: "#fff", borderRadius: 8, padding: 16 }}>
        <h2 id="preview" style={{ fontSize: "1rem", marginTop: 0 }}>
          What a room looks like
        </h2>
        <MessageList label="Example conversation">
          {sample.map((message) => (
            <MessageItem key={message.id} {...message} own={message.author?.username === "grace"} />
          ))}
        </MessageList>
      </section>
    </main>
  );
}
