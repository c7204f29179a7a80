import type { CSSProperties } from "react";

export interface AvatarProps {
  /** The name to draw initials from: a display name, or the username when there is none. */
  name: string;
  /** Width and height in pixels. */
  size?: number;
}

/** Up to two initials: the first letters of the first two words, or the first two letters of one word. */
export function initialsOf(name: string): string {
  const words = name
    .trim()
    .split(/[\s_.-]+/u)
    .filter((word) => word.length > 0);
  const [first, second] = words;
  if (first === undefined) return "?";
  const letters = second === undefined ? Array.from(first).slice(0, 2) : [Array.from(first)[0], Array.from(second)[0]];
  return letters.join("").toLocaleUpperCase();
}

/** A stable hue for a name, so the same person always gets the same colour. */
function hueOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return hash;
}

/** A round badge with a person's initials; decorative, since the name is always shown beside it. */
export function Avatar({ name, size = 32 }: AvatarProps) {
  const style = {
    "--pl-avatar-size": `${size}px`,
    "--pl-avatar-hue": hueOf(name),
  } as CSSProperties;
  return (
    <span className="pl-avatar" style={style} aria-hidden="true">
      {initialsOf(name)}
    </span>
  );
}

/**
 * An avatar that opens something about the person (their profile card): a button named `label`
 * laid over the avatar. The button holds no text of its own, so its name is all a screen reader
 * hears and all speech input needs (the initials are drawn beside it, not inside it). Out of the tab
 * order by default: the person's name next to it is the keyboard's way to the same place.
 */
export function AvatarButton({
  name,
  size = 32,
  label,
  onClick,
  tabbable = false,
}: AvatarProps & { label: string; onClick: () => void; tabbable?: boolean }) {
  return (
    <span className="pl-avatar-button">
      <Avatar name={name} size={size} />
      <button type="button" aria-label={label} tabIndex={tabbable ? undefined : -1} onClick={onClick} />
    </span>
  );
}
