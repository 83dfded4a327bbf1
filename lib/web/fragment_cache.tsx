import { Fragment, h, options, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { MessageItem } from "../../components/MessageItem.tsx";
import { shortTimeStableUntil } from "../../components/people.tsx";
import type { Message } from "../messages/messages.ts";
import type { User } from "../accounts/users.ts";

/**
 * Fragment caching for server renders (as Campfire does): each message's HTML, rendered
 * once, is kept and written out again instead of rendering its MessageItem on every page.
 * Rendering 50 of them was the largest part of a conversation page's CPU (bench/all.ts).
 *
 * Nothing in the islands changes: a hook on Preact's vnodes (server only; lib/ssr.tsx
 * installs it) swaps MessageItem for CachedItem while a page renders, and CachedItem gives
 * the very string MessageItem renders to, so the DOM, and hydration, are the same.
 *
 * An entry is exact, not time-bound. A message's HTML depends on:
 * - the message: its fields are compared with the entry's (content, edits, deletion,
 *   reactions, files, author's name), so any change renders it again;
 * - the viewer and the room: who you are (your own messages get Edit and Delete, your
 *   reactions are pressed, `@you` is marked) and the participants' names and usernames
 *   (reaction labels, mentions): part of the variant's key;
 * - whether it starts a group (the header with name and time) and, for a header, the time
 *   of day: "14:05" today, "Mon 14:05" this week, then "12 Mar" (kept until it would change);
 * - being edited, opened (`?react=`/`?delete=`) or highlighted: never cached, rare.
 */
type ItemProps = Parameters<typeof MessageItem>[0];

type Entry = {
  /** What the HTML was rendered from (fields compared on use, see sameMessage). */
  message: Message;
  /** By viewer-and-room key and header: the HTML, and until when its time text holds. */
  variants: Map<string, { html: string; until: number }>;
  /** Characters of HTML its variants hold. */
  size: number;
};

/** Variants per message (one per viewer of its room); characters of HTML in all (~64 MB). */
const MAX_VARIANTS = 8;
const MAX_CHARS = 32 * 1024 * 1024;
const entries = new Map<string, Entry>();
let chars = 0;

/** Drops the least recently used messages until the cache is within its size. */
function evict(): void {
  for (const [id, entry] of entries) {
    if (chars <= MAX_CHARS) return;
    entries.delete(id);
    chars -= entry.size;
  }
}
/** A prop that marks a MessageItem as made by CachedItem itself (not to be swapped again). */
const RAW = "__fragmentCacheRaw";

/**
 * Participants' ids, usernames and names, as a short id per distinct room (a variant key is
 * made per item: a room of 256 people would otherwise make each key kilobytes long).
 */
const roomKeys = new WeakMap<Map<string, User>, string>();
const roomIds = new Map<string, string>();
const MAX_ROOMS = 10_000;
let nextRoom = 0;

function roomKey(people: Map<string, User>): string {
  let key = roomKeys.get(people);
  if (key === undefined) {
    const full = JSON.stringify([...people.values()].map((u) => [u.id, u.username, u.displayName]));
    key = roomIds.get(full);
    if (key === undefined) {
      // Ids are never reused: a cleared table only costs renders, never a wrong variant.
      if (roomIds.size >= MAX_ROOMS) roomIds.clear();
      key = `r${nextRoom++}`;
      roomIds.set(full, key);
    }
    roomKeys.set(people, key);
  }
  return key;
}

function sameReactions(a: Message["reactions"], b: Message["reactions"]): boolean {
  return a.length === b.length &&
    a.every((r, i) =>
      r.emoji === b[i].emoji && r.userIds.length === b[i].userIds.length &&
      r.userIds.every((id, j) => id === b[i].userIds[j])
    );
}

function sameAttachments(a: Message["attachments"], b: Message["attachments"]): boolean {
  return a.length === b.length &&
    a.every((f, i) =>
      f.id === b[i].id && f.name === b[i].name && f.size === b[i].size &&
      f.contentType === b[i].contentType && Boolean(f.removed) === Boolean(b[i].removed)
    );
}

/** Whether two copies of one message (same id) render alike. */
function sameMessage(a: Message, b: Message): boolean {
  return a === b || (
    a.content === b.content && a.editedAt === b.editedAt && a.deletedAt === b.deletedAt &&
    a.createdAt === b.createdAt && a.seq === b.seq && a.conversationId === b.conversationId &&
    a.author.id === b.author.id && a.author.username === b.author.username &&
    a.author.displayName === b.author.displayName &&
    sameReactions(a.reactions, b.reactions) && sameAttachments(a.attachments, b.attachments)
  );
}

/** MessageItem itself, marked so that the hook below leaves it be. */
function rawItem(props: ItemProps): VNode {
  return h(MessageItem, { ...props, [RAW]: true } as ItemProps) as VNode;
}

/** The cached HTML of a message item (rendered now if need be). */
function cachedItemHtml(props: ItemProps, now = Date.now()): string {
  const { m } = props;
  let entry = entries.get(m.id);
  if (entry && !sameMessage(entry.message, m)) {
    chars -= entry.size;
    entry = undefined;
  }
  entry ??= { message: m, variants: new Map(), size: 0 };
  entries.delete(m.id); // most recently used last
  entries.set(m.id, entry);
  const variant = `${props.head ? 1 : 0}|${props.me.id}|${props.me.username}|${
    roomKey(props.people)
  }`;
  const hit = entry.variants.get(variant);
  if (hit && now < hit.until) return hit.html;
  const html = renderToString(rawItem(props));
  const until = props.head ? shortTimeStableUntil(m.createdAt, new Date(now)) : Infinity;
  const resize = (by: number) => {
    entry.size += by;
    chars += by;
  };
  if (hit) resize(-hit.html.length);
  entry.variants.delete(variant);
  entry.variants.set(variant, { html, until });
  resize(html.length);
  if (entry.variants.size > MAX_VARIANTS) {
    const [oldest, dropped] = entry.variants.entries().next().value!;
    entry.variants.delete(oldest);
    resize(-dropped.html.length);
  }
  evict();
  return html;
}

/** Whether a message item's HTML may come from the cache (see the list above). */
function cacheable(props: ItemProps): boolean {
  return !props.editing && !props.opened && !props.highlighted;
}

/** Stands in for MessageItem on the server: its HTML as precompiled JSX (written as is). */
function CachedItem(props: ItemProps): VNode {
  if (!cacheable(props)) return rawItem(props);
  return h(Fragment, { tpl: [cachedItemHtml(props)] } as Record<string, unknown>);
}

let installed = false;

/** Swaps MessageItem for CachedItem in every vnode made from now on (server renders only). */
export function installFragmentCache(): void {
  if (installed) return;
  installed = true;
  const previous = options.vnode;
  options.vnode = (vnode) => {
    if (vnode.type === MessageItem && !(RAW in (vnode.props as object))) {
      (vnode as VNode<ItemProps>).type = CachedItem;
    }
    previous?.(vnode);
  };
}
