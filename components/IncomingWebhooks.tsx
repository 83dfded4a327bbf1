/**
 * Incoming webhooks in the conversation panel: each with its address (selectable, and a Copy
 * button once the page is live), who added it, Delete for its creator or a site admin, and
 * a form to add one. Plain forms: the same without JavaScript. The addresses are shown to
 * every participant, as Slack shows them to a channel's members.
 */
import CopyLink from "../islands/CopyLink.tsx";
import { type IncomingWebhookInfo, MAX_INCOMING_WEBHOOKS } from "../lib/integrations/mod.ts";
import type { User } from "../lib/shared/user.ts";
import { WebhookHead } from "./WebhookHead.tsx";
import { island } from "../lib/web/mod.ts";

const CopyLinkIsland = island("CopyLink", CopyLink);

const MUTED = "text-xs text-slate-600 dark:text-slate-400";
const INPUT =
  "mt-1 block w-full min-w-0 rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";

function action(conversationId: string): string {
  return `/api/conversations/${conversationId}/webhooks`;
}

function day(iso: string): string {
  return new Date(iso).toLocaleDateString("en", {
    day: "numeric",
    month: "short",
    year: "numeric",
  });
}

export function IncomingWebhooksSection(
  props: { conversationId: string; hooks: IncomingWebhookInfo[]; me: User; archived: boolean },
) {
  const { conversationId, hooks, me, archived } = props;
  return (
    <section aria-labelledby="incoming-webhooks-title" class="space-y-3" id="incoming-webhooks">
      <h3
        id="incoming-webhooks-title"
        class="text-sm font-semibold text-slate-800 dark:text-slate-200"
      >
        Incoming webhooks
      </h3>
      <p class={MUTED}>
        Programs post here by sending{" "}
        <code class="whitespace-nowrap font-mono">{'{"text": "…"}'}</code>{" "}
        to an address. Anyone with an address can post, so share it only with the program.
      </p>
      {hooks.length === 0
        ? <p class={MUTED}>None yet.</p>
        : (
          <ul class="space-y-2" aria-label="Incoming webhooks">
            {hooks.map((hook) => (
              <li
                key={hook.id}
                id={`webhook-${hook.id}`}
                class="space-y-1.5 rounded-lg border border-slate-200 p-2 dark:border-slate-700"
                data-testid="incoming-webhook"
              >
                <WebhookHead
                  name={hook.name}
                  deleteAction={(hook.createdBy.id === me.id || me.isAdmin)
                    ? `${action(conversationId)}/${hook.id}/delete`
                    : null}
                />
                <CopyLinkIsland url={hook.url} label={`Address of the webhook ${hook.name}`} />
                <p class={MUTED}>
                  Added by <bdi>{hook.createdBy.displayName}</bdi> on {day(hook.createdAt)}
                </p>
              </li>
            ))}
          </ul>
        )}
      {archived
        ? <p class={MUTED}>An archived channel takes no new webhooks.</p>
        : hooks.length >= MAX_INCOMING_WEBHOOKS
        ? (
          <p class={MUTED}>
            This conversation has {MAX_INCOMING_WEBHOOKS} webhooks: delete one to add another.
          </p>
        )
        : (
          <form method="post" action={action(conversationId)} class="space-y-2" data-member-only>
            <label class="block text-xs font-medium text-slate-700 dark:text-slate-300">
              Name its messages show
              <input
                class={INPUT}
                name="name"
                required
                maxLength={64}
                placeholder="Deploys"
                autocomplete="off"
              />
            </label>
            <button
              type="submit"
              class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
            >
              Add incoming webhook
            </button>
          </form>
        )}
    </section>
  );
}
