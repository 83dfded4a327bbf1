import type { Conversation } from "../lib/conversations/mod.ts";
import type { User } from "../lib/shared/user.ts";
import AddMember from "../islands/AddMember.tsx";
import MemberPresence from "../islands/MemberPresence.tsx";
import { MemberDot } from "../islands/list/marks.tsx";
import { island } from "../lib/web/mod.ts";
import { Avatar, BotBadge } from "./people.tsx";
import { ChannelMark } from "./ChannelDirectory.tsx";
import { ChannelSettings } from "./ChannelSettings.tsx";
import { IncomingWebhooksSection } from "./IncomingWebhooks.tsx";
import { OutgoingWebhooksSection } from "./OutgoingWebhooks.tsx";
import type { IncomingWebhookInfo, OutgoingWebhookInfo } from "../lib/integrations/mod.ts";

const AddMemberIsland = island("AddMember", AddMember);
const MemberPresenceIsland = island("MemberPresence", MemberPresence);

/** What `me` may do in a group or channel (the API decides; this only offers). */
export function channelRights(conversation: Conversation, me: User) {
  const creator = conversation.createdBy?.id === me.id;
  const channel = conversation.kind === "channel";
  const admin = Boolean(me.isAdmin);
  const archived = conversation.archived;
  return {
    /** Remove someone else: the channel's or group's creator, or a site admin. */
    removeOthers: creator || admin,
    /** Rename, topic (and archive a channel): a channel's creator or admin; any in a group. */
    manage: channel ? creator || admin : true,
    /** Add people: anyone taking part, while it is not archived. */
    add: !archived,
  };
}

const SMALL_BUTTON =
  "rounded px-1.5 py-0.5 text-xs text-slate-600 hover:bg-red-50 hover:text-red-700 dark:text-slate-400 dark:hover:bg-red-950 dark:hover:text-red-300";

/** A conversation's webhooks, for its panel's Integrations section. */
export type PanelIntegrations = {
  incoming: IncomingWebhookInfo[];
  outgoing: OutgoingWebhookInfo[];
};

/**
 * Beside a group's or channel's conversation: what it is (name, topic, who made it), its
 * members with Remove (and your own Leave), Add people, its settings for those who may
 * change them, and its integrations (incoming and outgoing webhooks) when given. Plain
 * forms: the same without JavaScript.
 */
export function ChannelPanel(
  props: { conversation: Conversation; me: User; integrations?: PanelIntegrations },
) {
  const { conversation: conv, me, integrations } = props;
  const channel = conv.kind === "channel";
  const rights = channelRights(conv, me);
  const name = conv.title ?? "";
  const what = channel ? "channel" : "group";
  const members = [...conv.participants].sort((a, b) =>
    a.id === me.id ? -1 : b.id === me.id ? 1 : a.displayName.localeCompare(b.displayName)
  );
  return (
    <aside
      id="details"
      class="w-full shrink-0 space-y-6 overflow-y-auto border-t border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900 lg:w-80 lg:border-l lg:border-t-0"
      aria-label={channel ? "Channel details" : "Conversation details"}
    >
      <div class="space-y-2">
        <p class="text-xs font-semibold uppercase tracking-wide text-indigo-700 dark:text-indigo-300">
          {channel
            ? conv.visibility === "private" ? "Private channel" : "Public channel"
            : "Group conversation"}
        </p>
        {channel && (
          <h2 class="flex items-center gap-2 text-xl font-bold">
            <ChannelMark private={conv.visibility === "private"} class="h-7 w-7" />
            <bdi class="min-w-0 break-words">{name}</bdi>
          </h2>
        )}
        {!channel && name && (
          <h2 class="text-xl font-bold">
            <bdi class="break-words">{name}</bdi>
          </h2>
        )}
        {conv.archived && (
          <p class="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
            Archived: it can be read and searched, but nobody can write in it.
          </p>
        )}
        <p class="text-sm text-slate-700 dark:text-slate-300" data-testid="topic">
          {conv.topic
            ? <bdi>{conv.topic}</bdi>
            : <span class="text-slate-600 dark:text-slate-400">No topic set.</span>}
        </p>
        {conv.createdBy && (
          <p class="text-xs text-slate-600 dark:text-slate-400">
            Created by <bdi>{conv.createdBy.displayName}</bdi>
          </p>
        )}
      </div>

      <section aria-labelledby="members-title" class="space-y-3" id="members">
        <h2
          id="members-title"
          class="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400"
        >
          Members ({conv.memberCount || conv.participants.length})
        </h2>
        <ul class="space-y-1" aria-label="Members">
          {members.map((u) => (
            <li key={u.id} class="flex items-center gap-2">
              <span class="relative shrink-0">
                <Avatar user={u} size="sm" />
                <MemberDot userId={u.id} />
              </span>
              <span class="min-w-0 flex-1 truncate text-sm">
                <bdi>{u.displayName}</bdi> {u.isBot && <>{<BotBadge />}{" "}</>}
                <span class="text-xs text-slate-600 dark:text-slate-400">@{u.username}</span>
              </span>
              {conv.createdBy?.id === u.id && (
                <span class="rounded-full bg-slate-100 px-2 py-0.5 text-[11px] font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300">
                  creator
                </span>
              )}
              {u.id !== me.id && rights.removeOthers && (
                <form
                  method="post"
                  action={`/api/conversations/${conv.id}/members/${u.id}/remove`}
                  data-member-only
                >
                  <button
                    type="submit"
                    class={SMALL_BUTTON}
                    aria-label={`Remove ${u.displayName}`}
                  >
                    Remove
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
        <MemberPresenceIsland userIds={conv.participants.map((u) => u.id)} />
        {rights.add && (
          <div data-member-only>
            <AddMemberIsland conversationId={conv.id} error={null} value="" />
          </div>
        )}
      </section>

      {rights.manage && <ChannelSettings conversation={conv} />}

      {integrations && (
        <section
          aria-labelledby="integrations-title"
          class="space-y-5"
          id="integrations"
          data-member-only
        >
          <h2
            id="integrations-title"
            class="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400"
          >
            Integrations
          </h2>
          <IncomingWebhooksSection
            conversationId={conv.id}
            hooks={integrations.incoming}
            me={me}
            archived={Boolean(conv.archived)}
          />
          <OutgoingWebhooksSection
            conversationId={conv.id}
            hooks={integrations.outgoing}
            me={me}
          />
        </section>
      )}

      <form method="post" action={`/api/conversations/${conv.id}/leave`} data-member-only>
        <button
          type="submit"
          class="rounded-lg px-3 py-1.5 text-sm font-semibold text-red-700 ring-1 ring-red-200 hover:bg-red-50 dark:text-red-300 dark:ring-red-900 dark:hover:bg-red-950"
        >
          Leave this {what}
        </button>
      </form>
    </aside>
  );
}
