"use client";

import { unreadLabel } from "@parley/ui";
import { useEffect, useState } from "react";

/** "(3) Parley": the tab's title starts with the unread count across my conversations. */
const COUNTED = /^\(\d+\+?\) /;

/**
 * Keeps the unread count at the start of the tab's title. Pages set their own titles, so it is
 * applied again after each navigation.
 */
export function useUnreadTitle(total: number, pathname: string) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: a navigation sets a new title to prefix
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(COUNTED, "");
      const next = total > 0 ? `(${unreadLabel(total)}) ${base}` : base;
      if (document.title !== next) document.title = next;
    };
    apply();
    // Next sets the page's title after rendering it; follow it.
    const title = document.querySelector("title");
    const observer = title ? new MutationObserver(apply) : null;
    if (title) observer?.observe(title, { childList: true, characterData: true, subtree: true });
    return () => observer?.disconnect();
  }, [total, pathname]);
}

type Permission = NotificationPermission | "unsupported";

/**
 * "Enable notifications": asks for the browser's permission only when clicked (never on page load),
 * and says what was decided. Nothing is shown once they are allowed.
 */
export function NotificationsButton() {
  const [permission, setPermission] = useState<Permission>("granted");
  useEffect(() => {
    setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
  }, []);
  if (permission === "granted" || permission === "unsupported") return null;
  if (permission === "denied") {
    return <p className="shell-notifications-note">Notifications are blocked for Parley in this browser's settings.</p>;
  }
  return (
    <button
      type="button"
      className="pl-button shell-notifications"
      onClick={async () => setPermission(await Notification.requestPermission())}
    >
      <span aria-hidden="true">🔔</span> Enable notifications
    </button>
  );
}
