/**
 * Outgoing webhooks in the conversation panel: the list (where each sends, its trigger
 * words), a form to add one, Delete and the recent deliveries for its creator (or a site
 * admin), and the page that shows a new webhook's secret, once. Plain forms and links: the
 * same without JavaScript.
 */
import type { DeliveryEntry, OutgoingWebhookInfo } from "../lib/integrations/mod.ts";
import type { User } from "../lib/shared/user.ts";
import { WebhookHead } from "./WebhookHead.tsx";

const LABEL = "block text-xs font-medium text-slate-700 dark:text-slate-300";
const INPUT =
  "mt-1 w-full rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";
const MUTED = "text-xs text-slate-600 dark:text-slate-400";

function base(conversationId: string): string {
  return `/api/conversations/${conversationId}/outgoing-webhooks`;
}

/** May `me` delete it and see its deliveries? Its creator or a site admin. */
function owns(hook: OutgoingWebhookInfo, me: User): boolean {
  return hook.createdBy === me.id || Boolean(me.isAdmin);
}

export function OutgoingWebhooksSection(
  props: { conversationId: string; hooks: OutgoingWebhookInfo[]; me: User },
) {
  const { conversationId, hooks, me } = props;
  return (
    <section aria-labelledby="outgoing-webhooks-title" class="space-y-3" id="outgoing-webhooks">
      <h3
        id="outgoing-webhooks-title"
        class="text-sm font-semibold text-slate-800 dark:text-slate-200"
      >
        Outgoing webhooks
      </h3>
      <p class={MUTED}>
        Each new message here is sent, signed, to a program's address; its answer can post back.
      </p>
      {hooks.length === 0
        ? <p class={MUTED}>None yet.</p>
        : (
          <ul class="space-y-2" aria-label="Outgoing webhooks">
            {hooks.map((hook) => (
              <li
                key={hook.id}
                class="space-y-1 rounded-lg border border-slate-200 p-2 dark:border-slate-700"
                data-testid="outgoing-webhook"
              >
                <WebhookHead
                  name={hook.name}
                  deleteAction={owns(hook, me) ? `${base(conversationId)}/${hook.id}/delete` : null}
                />
                <p class="break-all font-mono text-xs text-slate-700 dark:text-slate-300">
                  {hook.url}
                </p>
                <p class={MUTED}>
                  {hook.triggerWords.length === 0
                    ? "Sends every message."
                    : `Sends messages starting with: ${hook.triggerWords.join(", ")}`}
                </p>
                {owns(hook, me) && (
                  <a
                    class="text-xs font-medium text-indigo-700 underline dark:text-indigo-300"
                    href={`${base(conversationId)}/${hook.id}/deliveries`}
                  >
                    Recent deliveries
                  </a>
                )}
              </li>
            ))}
          </ul>
        )}
      <form method="post" action={base(conversationId)} class="space-y-2" data-member-only>
        <input type="hidden" name="events" value="message" />
        <label class={LABEL}>
          Address (https)
          <input
            class={INPUT}
            type="url"
            name="url"
            required
            maxLength={2000}
            placeholder="https://example.com/hearth"
          />
        </label>
        <label class={LABEL}>
          Name <span class="font-normal">(optional)</span>
          <input class={INPUT} name="name" maxLength={64} />
        </label>
        <label class={LABEL}>
          Trigger words <span class="font-normal">(optional, separated by spaces)</span>
          <input class={INPUT} name="triggerWords" maxLength={400} placeholder="deploy status" />
        </label>
        <button
          type="submit"
          class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
        >
          Add outgoing webhook
        </button>
      </form>
    </section>
  );
}

/** What a form gets after adding a webhook: its secret, shown this once. */
export function OutgoingWebhookCreated(
  props: { conversationId: string; webhook: OutgoingWebhookInfo; secret: string },
) {
  const { conversationId, webhook, secret } = props;
  return (
    <main class="mx-auto max-w-xl space-y-4 p-6">
      <h1 class="text-2xl font-bold">Outgoing webhook added</h1>
      <p class="text-sm text-slate-700 dark:text-slate-300">
        <bdi class="font-semibold">{webhook.name}</bdi> sends new messages to{" "}
        <span class="break-all font-mono">{webhook.url}</span>.
      </p>
      <div class="space-y-1">
        <p class="text-sm font-medium" id="secret-label">
          Its signing secret (shown only now: copy it to your program):
        </p>
        <code
          aria-labelledby="secret-label"
          class="block select-all break-all rounded-lg border border-slate-300 bg-white px-2.5 py-2 font-mono text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100"
          data-testid="webhook-secret"
        >
          {secret}
        </code>
        <p class={MUTED}>
          Each delivery carries{" "}
          <code>X-Hearth-Signature: sha256=…</code>, the HMAC-SHA256 of the request body with this
          secret.
        </p>
      </div>
      <a
        class="inline-block rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
        href={`/conversations/${conversationId}`}
      >
        Back to the conversation
      </a>
    </main>
  );
}

/** A webhook's recent delivery attempts, newest first (for its creator). */
export function DeliveriesPage(
  props: { conversationId: string; webhook: OutgoingWebhookInfo; deliveries: DeliveryEntry[] },
) {
  const { conversationId, webhook, deliveries } = props;
  return (
    <main class="mx-auto max-w-3xl space-y-4 p-6">
      <h1 class="text-2xl font-bold">
        Deliveries of <bdi>{webhook.name}</bdi>
      </h1>
      <p class="break-all font-mono text-sm text-slate-700 dark:text-slate-300">{webhook.url}</p>
      {deliveries.length === 0
        ? <p class="text-sm">Nothing sent yet.</p>
        : (
          <ol class="space-y-2" aria-label="Delivery attempts, newest first">
            {deliveries.map((d) => (
              <li
                key={`${d.id}.${d.attempt}`}
                class="rounded-lg border border-slate-200 p-3 text-sm dark:border-slate-700"
              >
                <p class="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                  <span
                    class={`font-semibold ${
                      d.ok ? "text-green-700 dark:text-green-400" : "text-red-700 dark:text-red-300"
                    }`}
                  >
                    {d.ok ? "Delivered" : "Failed"}
                    {d.status !== null && ` (${d.status})`}
                  </span>
                  <time dateTime={d.at}>{d.at.replace("T", " ").slice(0, 19)} UTC</time>
                  <span class={MUTED}>try {d.attempt}, {d.ms} ms</span>
                </p>
                {d.error && <p class="mt-1 break-words text-red-700 dark:text-red-300">{d.error}
                </p>}
                <p class={`${MUTED} mt-1 break-all font-mono`}>{d.id}</p>
              </li>
            ))}
          </ol>
        )}
      <a
        class="inline-block text-sm font-medium text-indigo-700 underline dark:text-indigo-300"
        href={`/conversations/${conversationId}`}
      >
        Back to the conversation
      </a>
    </main>
  );
}
