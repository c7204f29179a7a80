"use client";

import type { DeliveryOut, OutgoingWebhookOut, OutgoingWebhookWithSecret } from "@parley/api/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { ErrorAlert } from "./error-alert";
import { ShownOnce } from "./shown-once";
import { useTRPC } from "./trpc";
import { HookButtons, HookConfirm } from "./webhook-parts";

/** The longest hook name the server takes (IncomingWebhookName in @parley/api's schemas), in characters. */
const HOOK_NAME_MAX = 64;
/** The longest receiver URL the server takes (OutgoingWebhookUrl), in characters. */
const URL_MAX = 2048;

/** Trigger words as typed: separated by spaces or commas. */
const wordsOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/**
 * "Outgoing webhooks", in the room settings of its owner (`outgoingWebhooks.*`): a receiver's URL
 * that new messages are POSTed to, signed per Standard Webhooks, optionally only those whose first
 * word is a trigger word. The signing secret is shown once (when made, or replaced). Each hook's
 * delivery log shows what was sent and what came of every attempt.
 */
export function OutgoingWebhooksSection({ roomId }: { roomId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const listKey = trpc.outgoingWebhooks.list.queryKey({ roomId });
  const hooks = useQuery(trpc.outgoingWebhooks.list.queryOptions({ roomId }));
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [triggers, setTriggers] = useState("");
  const [shown, setShown] = useState<OutgoingWebhookWithSecret | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [asking, setAsking] = useState<{ hook: OutgoingWebhookOut; action: "rotate" | "delete" } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: listKey });
  const create = useMutation(
    trpc.outgoingWebhooks.create.mutationOptions({
      onSuccess: (hook) => {
        setShown(hook);
        setName("");
        setUrl("");
        setTriggers("");
        void refresh();
      },
    }),
  );
  const rotate = useMutation(trpc.outgoingWebhooks.rotate.mutationOptions({ onSuccess: (hook) => setShown(hook) }));
  const remove = useMutation(
    trpc.outgoingWebhooks.delete.mutationOptions({
      onSuccess: (_, { hookId }) => {
        if (shown?.id === hookId) setShown(null);
        void refresh();
      },
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ roomId, name, url, triggerWords: wordsOf(triggers) });
  }
  const list = hooks.data ?? [];
  return (
    <section className="webhooks" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="webhooks-title">
        Outgoing webhooks
      </h3>
      <p className="pl-hint webhooks-intro">
        New messages here are sent to a URL of yours, signed (Standard Webhooks). A reply with a text is posted back
        here.
      </p>
      {shown ? (
        <ShownOnce
          label={`Signing secret of ${shown.name}`}
          value={shown.secret}
          hint="Shown this once: copy it now. Your receiver checks each request's signature with it."
          onDone={() => setShown(null)}
        />
      ) : null}
      {list.length > 0 ? (
        <ul className="webhooks-list">
          {list.map((hook) => (
            <li key={hook.id} className="webhooks-item">
              <div className="webhooks-item-text">
                <span className="webhooks-name">{hook.name}</span>
                <span className="pl-hint">{hook.url}</span>
                <span className="pl-hint">
                  {hook.triggerWords.length > 0
                    ? `Messages starting with ${hook.triggerWords.join(", ")}`
                    : "Every message by a person"}
                  ; replies as @{hook.bot.username}
                </span>
              </div>
              <div className="webhooks-item-buttons">
                <button
                  type="button"
                  className="pl-button"
                  aria-expanded={open === hook.id}
                  aria-controls={`${id}-log-${hook.id}`}
                  onClick={() => setOpen(open === hook.id ? null : hook.id)}
                >
                  Deliveries
                </button>
                <HookButtons
                  hook={hook}
                  rotateLabel="New secret"
                  busy={rotate.isPending || remove.isPending}
                  onAsk={setAsking}
                />
              </div>
              {open === hook.id ? <DeliveryLog id={`${id}-log-${hook.id}`} hook={hook} /> : null}
            </li>
          ))}
        </ul>
      ) : hooks.isSuccess ? (
        <p className="pl-hint">No outgoing webhooks yet.</p>
      ) : null}
      <ErrorAlert error={hooks.error ?? rotate.error ?? remove.error} className="pl-field-error" />
      <form onSubmit={submit} className="webhooks-form">
        <div className="pl-field">
          <label htmlFor={`${id}-name`}>New outgoing webhook's name</label>
          <input
            id={`${id}-name`}
            className="pl-input"
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              create.reset();
            }}
            required
            maxLength={HOOK_NAME_MAX}
            placeholder="Deploy bot"
            autoComplete="off"
          />
        </div>
        <div className="pl-field">
          <label htmlFor={`${id}-url`}>Its URL</label>
          <input
            id={`${id}-url`}
            className="pl-input"
            type="url"
            value={url}
            onChange={(event) => {
              setUrl(event.target.value);
              create.reset();
            }}
            required
            maxLength={URL_MAX}
            placeholder="https://bots.example.com/parley"
            autoComplete="off"
          />
        </div>
        <div className="pl-field">
          <label htmlFor={`${id}-triggers`}>Trigger words (optional)</label>
          <div className="webhooks-create">
            <input
              id={`${id}-triggers`}
              className="pl-input"
              value={triggers}
              onChange={(event) => {
                setTriggers(event.target.value);
                create.reset();
              }}
              aria-describedby={`${id}-triggers-hint`}
              placeholder="!deploy, !status"
              autoComplete="off"
            />
            <button
              type="submit"
              className="pl-button pl-button-primary"
              aria-label="Create outgoing webhook"
              disabled={create.isPending}
            >
              Create
            </button>
          </div>
          <p id={`${id}-triggers-hint`} className="pl-hint">
            Up to 10, separated by spaces or commas: only messages whose first word is one are sent. None: every
            message.
          </p>
        </div>
        <ErrorAlert error={create.error} className="pl-field-error" />
      </form>
      {asking ? (
        <HookConfirm
          asking={asking}
          rotateLabel="New secret"
          rotateConfirm="Replace secret"
          rotateBody="Requests are signed with the new secret at once: the receiver needs it to accept them."
          deleteBody="Nothing more is sent to it, and its delivery log is removed. The replies it posted stay."
          onRotate={(hook) => rotate.mutate({ hookId: hook.id })}
          onDelete={(hook) => remove.mutate({ hookId: hook.id })}
          onClose={() => setAsking(null)}
        />
      ) : null}
    </section>
  );
}

const STATE_WORDS: Record<DeliveryOut["state"], string> = {
  pending: "Waiting",
  queued: "Queued",
  retrying: "Failed; will retry",
  delivered: "Delivered",
  failed: "Failed; gave up",
  skipped: "Not sent: the message was deleted",
};

const timeOf = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** One hook's delivery log, newest first, 20 at a time: each delivery's state and its latest attempt. */
function DeliveryLog({ id, hook }: { id: string; hook: OutgoingWebhookOut }) {
  const trpc = useTRPC();
  const log = useInfiniteQuery(
    trpc.outgoingWebhooks.deliveries.infiniteQueryOptions(
      { hookId: hook.id, limit: 20 },
      { getNextPageParam: (page) => page.next ?? undefined, refetchInterval: 5000 },
    ),
  );
  const deliveries = log.data?.pages.flatMap((page) => page.deliveries) ?? [];
  return (
    <section id={id} className="webhooks-log" aria-label={`Deliveries to ${hook.name}`}>
      {deliveries.length > 0 ? (
        <ol className="webhooks-log-list">
          {deliveries.map((delivery) => {
            const last = delivery.attempts.at(-1);
            return (
              <li key={delivery.id} className="webhooks-log-item" data-state={delivery.state}>
                <span className="webhooks-log-state">{STATE_WORDS[delivery.state]}</span>
                <span className="webhooks-log-excerpt">
                  {delivery.excerpt === "" ? "(a deleted message)" : `“${delivery.excerpt}”`}
                </span>
                <span className="pl-hint">
                  {timeOf(delivery.createdAt)}
                  {delivery.attempts.length > 0
                    ? `; ${delivery.attempts.length} ${delivery.attempts.length === 1 ? "attempt" : "attempts"}`
                    : ""}
                </span>
                {last ? (
                  <span className="pl-hint webhooks-log-attempt">
                    Last: {last.status === null ? "no answer" : `HTTP ${last.status}`}
                    {last.ms === null ? "" : ` in ${last.ms} ms`}
                    {last.error ? ` (${last.error})` : ""}
                  </span>
                ) : null}
              </li>
            );
          })}
        </ol>
      ) : log.isSuccess ? (
        <p className="pl-hint">Nothing sent yet.</p>
      ) : null}
      <ErrorAlert error={log.error} className="pl-field-error" />
      {log.hasNextPage ? (
        <button
          type="button"
          className="pl-link-button"
          disabled={log.isFetchingNextPage}
          onClick={() => void log.fetchNextPage()}
        >
          Older deliveries
        </button>
      ) : null}
    </section>
  );
}
