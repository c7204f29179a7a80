const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

/** The time of day in the reader's locale ("14:05", "2:05 PM"). */
export function timeOf(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

/** The date and time in full, in the reader's locale, for titles. */
export function fullOf(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : fullFormat.format(date);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const yearDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });

/** The reader's local calendar day of a moment, as `YYYY-MM-DD`: tells two messages' days apart. */
export function dayKeyOf(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * A day divider's words, in the reader's locale and time zone: "Today", "Yesterday", else the
 * weekday and date ("Monday, November 23"), with the year when it is not `now`'s.
 */
export function dayOf(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const key = dayKeyOf(iso);
  if (key === dayKeyOf(now.toISOString())) return "Today";
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key === dayKeyOf(yesterday.toISOString())) return "Yesterday";
  return date.getFullYear() === now.getFullYear() ? dateFormat.format(date) : yearDateFormat.format(date);
}

/** The date in full, without the time ("Monday, November 23, 2026"), for titles. */
export function fullDateOf(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : yearDateFormat.format(date);
}
