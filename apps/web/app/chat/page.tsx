import { Menu } from "lucide-react";
import Link from "next/link";

export default function ChatHome() {
  return (
    <section className="page chat-home">
      <h1>Welcome to Parley</h1>
      <p>
        Pick a conversation <span className="chat-home-wide">in the sidebar</span>
        <span className="chat-home-narrow">
          from the <Menu size={16} aria-hidden className="chat-home-icon" />
          Conversations menu
        </span>
        , or start one:
      </p>
      <ul className="chat-home-actions">
        <li>
          <Link className="pl-button pl-button-primary" href="/chat/browse">
            Find or create a room
          </Link>
        </li>
        <li>
          <Link className="pl-button" href="/chat/people">
            Message someone
          </Link>
        </li>
      </ul>
    </section>
  );
}
