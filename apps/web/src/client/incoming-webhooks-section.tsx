"use client";

import type { IncomingWebhookOut, IncomingWebhookWithUrl } from "@parley/api/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { ErrorAlert } from "./error-alert";
import { ShownOnce } from "./shown-once";
import { useTRPC } from "./trpc";
import { HookButtons, HookConfirm } from "./webhook-parts";

/** The longest hook name the server takes (IncomingWebhookName in @parley/api's schemas), in characters. */
const HOOK_NAME_MAX = 64;

/**
 * "Incoming webhooks", in the room settings of its owner: Slack-compatible URLs that tools
 * (Grafana, Alertmanager, GitHub Actions…) post to, each as its own bot (`webhooks.*`). A URL holds
 * its secret and is shown once, when the hook is created or its secret replaced, with a copy button;
 * replacing and deleting ask first, since the old URL stops working at once.
 */
export function IncomingWebhooksSection({ roomId }: { roomId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const listKey = trpc.webhooks.list.queryKey({ roomId });
  const hooks = useQuery(trpc.webhooks.list.queryOptions({ roomId }));
  const [name, setName] = useState("");
  const [allowOverrides, setAllowOverrides] = useState(true);
  /** The hook whose URL is shown (once), with the secret. */
  const [shown, setShown] = useState<IncomingWebhookWithUrl | null>(null);
  const [asking, setAsking] = useState<{ hook: IncomingWebhookOut; action: "rotate" | "delete" } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: listKey });
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: (hook) => {
        setShown(hook);
        setName("");
        void refresh();
      },
    }),
  );
  const rotate = useMutation(trpc.webhooks.rotate.mutationOptions({ onSuccess: (hook) => setShown(hook) }));
  const remove = useMutation(
    trpc.webhooks.delete.mutationOptions({
      onSuccess: (_, { hookId }) => {
        if (shown?.id === hookId) setShown(null);
        void refresh();
      },
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ roomId, name, allowOverrides });
  }
  const list = hooks.data ?? [];
  return (
    <section className="webhooks" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="webhooks-title">
        Incoming webhooks
      </h3>
      <p className="pl-hint webhooks-intro">
        Tools that post to Slack (Grafana, Alertmanager, GitHub Actions…) can post here: give them a webhook's URL.
      </p>
      {shown ? (
        <ShownOnce
          label={`URL of ${shown.name}`}
          value={`${window.location.origin}${shown.path}`}
          hint="Shown this once: copy it now. Anyone with it can post here."
          onDone={() => setShown(null)}
        />
      ) : null}
      {list.length > 0 ? (
        <ul className="webhooks-list">
          {list.map((hook) => (
            <li key={hook.id} className="webhooks-item">
              <div className="webhooks-item-text">
                <span className="webhooks-name">{hook.name}</span>
                <span className="pl-hint">
                  Posts as @{hook.bot.username}
                  {hook.allowOverrides ? "; may change the name shown" : ""}
                </span>
              </div>
              <div className="webhooks-item-buttons">
                <HookButtons
                  hook={hook}
                  rotateLabel="New URL"
                  busy={rotate.isPending || remove.isPending}
                  onAsk={setAsking}
                />
              </div>
            </li>
          ))}
        </ul>
      ) : hooks.isSuccess ? (
        <p className="pl-hint">No webhooks yet.</p>
      ) : null}
      <ErrorAlert error={hooks.error ?? rotate.error ?? remove.error} className="pl-field-error" />
      <form onSubmit={submit} className="webhooks-form">
        <div className="pl-field">
          <label htmlFor={`${id}-name`}>New webhook's name</label>
          <div className="webhooks-create">
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
              placeholder="Grafana alerts"
              autoComplete="off"
            />
            <button
              type="submit"
              className="pl-button pl-button-primary"
              aria-label="Create incoming webhook"
              disabled={create.isPending}
            >
              Create
            </button>
          </div>
        </div>
        <label className="webhooks-check">
          <input
            type="checkbox"
            checked={allowOverrides}
            onChange={(event) => setAllowOverrides(event.target.checked)}
          />
          Let its posts change the name shown (Slack's username and icon_url)
        </label>
        <ErrorAlert error={create.error} className="pl-field-error" />
      </form>
      {asking ? (
        <HookConfirm
          asking={asking}
          rotateLabel="New URL"
          rotateConfirm="Replace URL"
          rotateBody="The current URL stops working at once: every tool that uses it needs the new one."
          deleteBody="Its URL stops working at once. The messages it posted stay."
          onRotate={(hook) => rotate.mutate({ hookId: hook.id })}
          onDelete={(hook) => remove.mutate({ hookId: hook.id })}
          onClose={() => setAsking(null)}
        />
      ) : null}
    </section>
  );
}
