import "@parley/ui/styles.css";
import "./app.css";
import "./rooms.css";
import "./network.css";
import "./timeline.css";
import "./shell.css";
import "./search.css";
import "./tokens.css";
import "./admin.css";
import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";

export const metadata: Metadata = {
  title: { default: "Parley", template: "%s · Parley" },
  description: "Parley is a self-hostable real-time chat server: public and private rooms, direct messages, history.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f6f7fb" },
    { media: "(prefers-color-scheme: dark)", color: "#12141b" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
