import { dayKeyOf, dayOf, fullDateOf } from "./time";

/**
 * Where a new day starts in a conversation ("Today", "Yesterday", a date), as an item of the
 * message list; its title gives the date in full. `iso` is the first message of that day.
 */
export function DayDivider({ iso }: { iso: string }) {
  return (
    <li className="pl-divider" data-divider="day">
      {/* The words depend on the reader's clock and time zone: the server's may differ. */}
      <time dateTime={dayKeyOf(iso)} title={fullDateOf(iso)} suppressHydrationWarning>
        {dayOf(iso)}
      </time>
    </li>
  );
}

/**
 * Where the messages I had not read begin (the first one after my read mark when I opened the
 * conversation). `domId` lets the message list land there.
 */
export function UnreadDivider({ domId }: { domId: string }) {
  return (
    <li className="pl-divider" data-divider="unread" id={domId}>
      <span>New messages</span>
    </li>
  );
}
