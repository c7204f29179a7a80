"use client";

import { Avatar } from "@parley/ui";
import { LogOut, ShieldCheck, UserRound } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { signOutAndLeave } from "./end-session";
import { useViewer } from "./session-context";

/**
 * The signed-in person's menu in the header: their avatar and @username on a button ("Account
 * menu") that shows their profile link and "Sign out" (a disclosure: Escape, a click elsewhere or a
 * page change closes it; Escape gives focus back to the button).
 */
export function UserMenu() {
  const viewer = useViewer();
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const name = viewer.displayName ?? viewer.username;

  // biome-ignore lint/correctness/useExhaustiveDependencies: closes when the page changes
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("pointerdown", onPointerDown);
    return () => {
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("pointerdown", onPointerDown);
    };
  }, [open]);

  return (
    <div className="user-menu" ref={root}>
      {/* Drawn over the button's left edge, outside it: initials are no part of the button's name. */}
      <span className="user-menu-avatar">
        <Avatar name={name} size={28} />
      </span>
      <button
        ref={button}
        type="button"
        className="user-menu-button"
        aria-expanded={open}
        aria-controls="user-menu"
        onClick={() => setOpen((isOpen) => !isOpen)}
      >
        {/* Named "Account menu @ann": the words on the button are part of its name (WCAG 2.5.3). */}
        <span className="pl-visually-hidden">Account menu</span>
        <span className="user-menu-username">@{viewer.username}</span>
      </button>
      <div id="user-menu" className="user-menu-panel" hidden={!open}>
        <p className="user-menu-who">
          Signed in as <strong>{name}</strong>
        </p>
        <Link href="/chat/profile" className="user-menu-item">
          <UserRound size={16} aria-hidden /> Profile
        </Link>
        {viewer.role === "admin" ? (
          <Link href="/chat/admin" className="user-menu-item">
            <ShieldCheck size={16} aria-hidden /> Administration
          </Link>
        ) : null}
        <button
          type="button"
          className="user-menu-item"
          disabled={signingOut}
          onClick={async () => {
            setSigningOut(true);
            await signOutAndLeave();
          }}
        >
          <LogOut size={16} aria-hidden /> Sign out
        </button>
      </div>
    </div>
  );
}
