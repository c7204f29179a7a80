"use client";

import { unreadLabel } from "@parley/ui";
import { Bell } from "lucide-react";
import { useEffect, useState } from "react";

/** "(3) Parley": the tab's title starts with the unread count across my conversations. */
const COUNTED = /^\(\d+\+?\) /;
/** What follows a conversation's name in the title (the root layout's title template). */
const APP_SUFFIX = " · Parley";

/**
 * Keeps the tab's title as "(3) #general · Parley": the unread count across my conversations, then
 * the open conversation's name (`conversation`: "#room" or the other person's name), else the title
 * the page set itself. Next sets pages' titles after rendering them, so it is applied again then.
 */
export function useUnreadTitle(total: number, pathname: string, conversation?: string) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: a navigation sets a new title to prefix
  useEffect(() => {
    const apply = () => {
      const base = conversation ? `${conversation}${APP_SUFFIX}` : document.title.replace(COUNTED, "");
      const next = total > 0 ? `(${unreadLabel(total)}) ${base}` : base;
      if (document.title !== next) document.title = next;
    };
    apply();
    // Next sets the page's title after rendering it; follow it.
    const title = document.querySelector("title");
    const observer = title ? new MutationObserver(apply) : null;
    if (title) observer?.observe(title, { childList: true, characterData: true, subtree: true });
    return () => observer?.disconnect();
  }, [total, pathname, conversation]);
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
      <Bell size={16} aria-hidden /> Enable notifications
    </button>
  );
}
