"use client";

import { DayDivider, dayKeyOf, UnreadDivider } from "@parley/ui";
import { Fragment, type ReactNode } from "react";
import { MessageRow, type MessageScope } from "./message-row";
import type { Message } from "./trpc";
import { UNREAD_DIVIDER_ID } from "./use-unread";

/** A message by the same author this soon after the previous one is drawn without the name again. */
const CONTINUED_MS = 5 * 60_000;

/**
 * A room's messages, oldest first, as list items: a day divider where a new day starts (in the
 * reader's time zone), the "New messages" divider before `dividerSeq`, and each message grouped
 * under the previous one when the same author wrote it moments before (never across a divider).
 * A function, not a component: MessageList tells an empty conversation by its children, and an
 * element of a component would count as one even when it draws nothing.
 */
export function timelineItems(messages: Message[], dividerSeq: number | undefined, scope: MessageScope): ReactNode[] {
  return messages.map((message, index) => {
    const previous = messages[index - 1];
    const newDay = previous === undefined || dayKeyOf(previous.createdAt) !== dayKeyOf(message.createdAt);
    const unread = message.seq === dividerSeq;
    const continued =
      previous !== undefined &&
      !newDay &&
      !unread &&
      previous.kind === "text" &&
      message.kind === "text" &&
      !previous.thread &&
      previous.author?.id === message.author?.id &&
      Date.parse(message.createdAt) - Date.parse(previous.createdAt) < CONTINUED_MS;
    return (
      <Fragment key={message.id}>
        {newDay ? <DayDivider iso={message.createdAt} /> : null}
        {unread ? <UnreadDivider domId={UNREAD_DIVIDER_ID} /> : null}
        <MessageRow message={message} continued={continued} scope={scope} />
      </Fragment>
    );
  });
}
