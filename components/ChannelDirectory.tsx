import type { Conversation } from "../lib/conversations/mod.ts";
import { Icon } from "./Icon.tsx";
import { CHANNEL_ICON, LOCK_ICON } from "../islands/list/marks.tsx";

/** A channel as the directory lists it (GET /api/channels): whether you are in it. */
export type ChannelEntry = Conversation & { joined: boolean };

const INPUT =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";
const FIELD = `mt-1 ${INPUT}`;
const BUTTON =
  "rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";

/** "12 members", "1 member". */
export function memberCountText(n: number): string {
  return `${n} ${n === 1 ? "member" : "members"}`;
}

/** A channel's mark: a hash, or a padlock for a private one. */
export function ChannelMark(props: { private: boolean; class?: string }) {
  return (
    <span
      class={`inline-flex shrink-0 items-center justify-center rounded-lg text-white ${
        props.private ? "bg-indigo-900" : "bg-indigo-700"
      } ${props.class ?? "h-9 w-9"}`}
    >
      <Icon class="h-5 w-5" d={props.private ? LOCK_ICON : CHANNEL_ICON} />
    </span>
  );
}

/** Small labels beside a channel's name: private, archived, yours. */
function Badges(props: { channel: ChannelEntry }) {
  const { channel } = props;
  const badge = "rounded-full px-2 py-0.5 text-[11px] font-medium";
  return (
    <>
      {channel.visibility === "private" && (
        <span class={`${badge} bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300`}>
          Private
        </span>
      )}
      {channel.archived && (
        <span class={`${badge} bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200`}>
          Archived
        </span>
      )}
      {channel.joined && (
        <span
          class={`${badge} bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200`}
        >
          Joined
        </span>
      )}
    </>
  );
}

/** Open and Leave for a channel you are in; Join for a public one you are not. */
function Actions(props: { channel: ChannelEntry }) {
  const { channel } = props;
  const name = channel.title ?? "channel";
  if (channel.joined) {
    return (
      <div class="flex shrink-0 items-center gap-2">
        <a
          href={`/conversations/${channel.id}`}
          class={`${BUTTON} bg-slate-100 text-slate-800 hover:bg-slate-200 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700`}
          aria-label={`Open ${name}`}
        >
          Open
        </a>
        <form method="post" action={`/api/conversations/${channel.id}/leave`}>
          <button
            type="submit"
            class={`${BUTTON} text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950`}
            aria-label={`Leave ${name}`}
          >
            Leave
          </button>
        </form>
      </div>
    );
  }
  if (channel.archived) return null;
  return (
    <form method="post" action={`/api/conversations/${channel.id}/join`} class="shrink-0">
      <button
        type="submit"
        class={`${BUTTON} bg-indigo-600 text-white hover:bg-indigo-500`}
        aria-label={`Join ${name}`}
      >
        Join
      </button>
    </form>
  );
}

/** One channel of the directory: its mark, name, topic, members and what you can do. */
function ChannelCard(props: { channel: ChannelEntry }) {
  const { channel } = props;
  const name = channel.title ?? "";
  return (
    <li
      class="flex items-start gap-3 rounded-xl border border-slate-200 p-4 dark:border-slate-700 sm:items-center"
      data-channel={channel.id}
    >
      <ChannelMark private={channel.visibility === "private"} />
      <div class="min-w-0 flex-1 space-y-2 sm:flex sm:items-center sm:gap-3 sm:space-y-0">
        <div class="min-w-0 sm:flex-1">
          <p class="flex flex-wrap items-center gap-2">
            <a href={`/conversations/${channel.id}`} class="truncate font-semibold hover:underline">
              <bdi>{name}</bdi>
            </a>
            <Badges channel={channel} />
          </p>
          <p class="mt-0.5 text-sm text-slate-600 dark:text-slate-400">
            {memberCountText(channel.memberCount)}
            {channel.topic && (
              <>
                {" · "}
                <bdi>{channel.topic}</bdi>
              </>
            )}
          </p>
        </div>
        <Actions channel={channel} />
      </div>
    </li>
  );
}

/**
 * The channel directory (/channels): a search box, every public channel and the private ones
 * you are in, each with Join, Open or Leave, and a form to create one. All plain forms and
 * links: the same without JavaScript (the API answers a form post with a redirect).
 */
export function ChannelDirectory(
  props: { channels: ChannelEntry[]; nextCursor: string | null; search: string },
) {
  const { channels, search } = props;
  const more = props.nextCursor
    ? `/channels?${new URLSearchParams({
      ...(search ? { search } : {}),
      cursor: props.nextCursor,
    })}`
    : null;
  return (
    <div class="flex-1 overflow-y-auto bg-white p-4 dark:bg-slate-900 sm:p-8">
      <div class="mx-auto max-w-3xl space-y-8">
        <div class="space-y-1">
          <h1 class="text-2xl font-bold tracking-tight">Channels</h1>
          <p class="text-sm text-slate-600 dark:text-slate-400">
            Rooms for the whole team: anyone can find a public channel here and join it. Private
            ones are listed only for their members.
          </p>
        </div>
        <form method="get" action="/channels" role="search" class="flex gap-2">
          <label for="channel-search" class="sr-only">Search channels</label>
          <input
            id="channel-search"
            name="search"
            type="search"
            value={search}
            maxLength={80}
            placeholder="Search channels"
            class={`${INPUT} min-w-0 flex-1`}
          />
          <button
            type="submit"
            class={`${BUTTON} bg-slate-100 text-slate-800 hover:bg-slate-200 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700`}
          >
            Search
          </button>
        </form>
        <section aria-labelledby="channel-list-title" class="space-y-3">
          <h2 id="channel-list-title" class="sr-only">
            {search ? `Channels matching “${search}”` : "All channels"}
          </h2>
          {channels.length === 0 && (
            <p class="text-slate-600 dark:text-slate-400">
              {search
                ? "No channel matches that. Try another word, or create it below."
                : "No channels yet. Create the first one below."}
            </p>
          )}
          <ul class="space-y-2" aria-label="Channels">
            {channels.map((ch) => <ChannelCard key={ch.id} channel={ch} />)}
          </ul>
          {more && (
            <p>
              <a
                href={more}
                class="text-sm font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400"
              >
                More channels
              </a>
            </p>
          )}
        </section>
        <CreateChannelForm />
      </div>
    </div>
  );
}

/** "Create a channel": a name, a topic, public or private (POST /api/conversations). */
export function CreateChannelForm() {
  return (
    <form
      id="new-channel"
      method="post"
      action="/api/conversations"
      class="space-y-4 rounded-xl bg-slate-50 p-5 ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700"
    >
      <input type="hidden" name="kind" value="channel" />
      <h2 class="font-semibold">Create a channel</h2>
      <div>
        <label for="channel-name" class="block text-sm font-medium">Name</label>
        <input
          id="channel-name"
          name="title"
          required
          maxLength={80}
          placeholder="e.g. design-reviews"
          class={FIELD}
        />
      </div>
      <div>
        <label for="channel-topic" class="block text-sm font-medium">
          Topic <span class="font-normal text-slate-600 dark:text-slate-400">(optional)</span>
        </label>
        <input id="channel-topic" name="topic" maxLength={250} class={FIELD} />
      </div>
      <fieldset>
        <legend class="text-sm font-medium">Who can find it</legend>
        <div class="mt-2 space-y-2">
          <label class="flex items-start gap-2 text-sm">
            <input type="radio" name="visibility" value="public" checked class="mt-1" />
            <span>
              <span class="font-medium">Public</span>
              <span class="block text-slate-600 dark:text-slate-400">
                Anyone on the team can find and join it.
              </span>
            </span>
          </label>
          <label class="flex items-start gap-2 text-sm">
            <input type="radio" name="visibility" value="private" class="mt-1" />
            <span>
              <span class="font-medium">Private</span>
              <span class="block text-slate-600 dark:text-slate-400">
                Only the people you add can see it.
              </span>
            </span>
          </label>
        </div>
      </fieldset>
      <button
        type="submit"
        class={`${BUTTON} bg-indigo-600 px-4 py-2 text-white hover:bg-indigo-500`}
      >
        Create channel
      </button>
    </form>
  );
}

/**
 * A public channel you are not in, opened by its address (a link someone shared): what the
 * directory says of it, and Join (the history shows once you are in).
 */
export function ChannelPreview(props: { channel: ChannelEntry }) {
  const { channel } = props;
  return (
    <div class="flex flex-1 items-start justify-center overflow-y-auto bg-white p-4 dark:bg-slate-900 sm:p-8">
      <div class="w-full max-w-md space-y-4 rounded-xl p-6 text-center ring-1 ring-slate-200 dark:ring-slate-700">
        <ChannelMark private={false} class="mx-auto h-12 w-12" />
        <h1 class="break-words text-xl font-bold">
          <bdi>{channel.title}</bdi>
        </h1>
        {channel.topic && (
          <p class="text-sm text-slate-700 dark:text-slate-300">
            <bdi>{channel.topic}</bdi>
          </p>
        )}
        <p class="text-sm text-slate-600 dark:text-slate-400">
          {memberCountText(channel.memberCount)}
          {channel.archived ? " · Archived" : ""}
        </p>
        {channel.archived
          ? (
            <p class="text-sm text-slate-600 dark:text-slate-400">
              This channel is archived: nobody can join or write in it.
            </p>
          )
          : (
            <form method="post" action={`/api/conversations/${channel.id}/join`}>
              <button
                type="submit"
                class={`${BUTTON} bg-indigo-600 px-4 py-2 text-white hover:bg-indigo-500`}
              >
                Join channel
              </button>
            </form>
          )}
        <p>
          <a
            href="/channels"
            class="text-sm font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400"
          >
            All channels
          </a>
        </p>
      </div>
    </div>
  );
}
