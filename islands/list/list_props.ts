import type { Conversation } from "../../lib/conversations/mod.ts";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import { defaultPref, type NotifyPref } from "../../lib/shared/notify_prefs.ts";

/**
 * The sidebar's props as a page carries them (`data-props`), packed like ChatRoom's
 * (chat/chat_props.ts): every person once in `people`, named elsewhere by index (each row's
 * participants, creator and last message's author), and the fields that hold their usual
 * value left out (a row's empty topic, no project, no draft, the default notification
 * setting; a last message's defaults). A row was ~1.2 KB of JSON, most of it the same people
 * again; `unpackConversationListProps` gives back exactly the props the server rendered with.
 * Props that were never packed (no `people`) pass through unchanged.
 */
type ListProps = { conversations: Conversation[] } & Record<string, unknown>;

type PackedRow = Record<string, unknown> & { participants: number[] };
export type PackedListProps = Omit<ListProps, "conversations"> & {
  conversations: PackedRow[];
  people: User[];
};

/** A row's field and the value most rows hold: left out when it holds that value. */
const ROW_DEFAULTS = {
  title: null,
  projectId: null,
  topic: "",
  visibility: null,
  archived: false,
  draft: null,
} as const;
/** A last message's fields that are always there, and their usual values. */
const MESSAGE_DEFAULTS = {
  clientId: () => null,
  editedAt: () => null,
  deletedAt: () => null,
  reactions: () => [],
  attachments: () => [],
  formatted: () => null,
} as const;
const ROW_KEYS = Object.keys(ROW_DEFAULTS) as (keyof typeof ROW_DEFAULTS)[];
const MESSAGE_KEYS = Object.keys(MESSAGE_DEFAULTS) as (keyof typeof MESSAGE_DEFAULTS)[];

const isEmpty = (v: unknown) => v === null || (Array.isArray(v) && v.length === 0);
const samePref = (a: NotifyPref, b: NotifyPref) => a.level === b.level && a.muted === b.muted;

export function packConversationListProps<P extends ListProps>(props: P): PackedListProps {
  const people: User[] = [];
  const index = new Map<string, number>();
  // By every field, not the object: a deleted account is a fresh object each time.
  const ref = (u: User): number => {
    const key = `${u.id}\0${u.username}\0${u.displayName}\0${u.isAdmin}\0${u.isBot}`;
    let i = index.get(key);
    if (i === undefined) {
      i = people.push(u) - 1;
      index.set(key, i);
    }
    return i;
  };
  const conversations = props.conversations.map((c) => {
    const row: Record<string, unknown> = { ...c, participants: c.participants.map(ref) };
    row.createdBy = c.createdBy ? ref(c.createdBy) : null;
    for (const key of ROW_KEYS) if (row[key] === ROW_DEFAULTS[key]) delete row[key];
    const pref = (c as { notifications?: NotifyPref }).notifications;
    // 0: the default setting for its kind (a row without a setting keeps none).
    if (pref && samePref(pref, defaultPref(c.kind))) row.notifications = 0;
    const last = c.lastMessage;
    if (last) {
      const m: Record<string, unknown> = { ...last, author: ref(last.author) };
      if (last.conversationId === c.id) delete m.conversationId;
      for (const key of MESSAGE_KEYS) if (isEmpty(m[key])) delete m[key];
      row.lastMessage = m;
    }
    return row as PackedRow;
  });
  return { ...props, conversations, people };
}

export function unpackConversationListProps(
  packed: PackedListProps | ListProps,
): ListProps {
  if (!("people" in packed) || !Array.isArray(packed.people)) return packed as ListProps;
  const { people, ...rest } = packed as PackedListProps;
  const conversations = packed.conversations.map((p) => {
    const row = p as Record<string, unknown> & { participants: number[] };
    const c: Record<string, unknown> = { ...ROW_DEFAULTS, ...row };
    c.participants = row.participants.map((i) => people[i]);
    c.createdBy = typeof row.createdBy === "number" ? people[row.createdBy] : null;
    if (row.notifications === 0) c.notifications = defaultPref(String(row.kind));
    const last = row.lastMessage as (Record<string, unknown> & { author: number }) | null;
    if (last) {
      const m: Record<string, unknown> = { conversationId: row.id, ...last };
      for (const key of MESSAGE_KEYS) if (!(key in m)) m[key] = MESSAGE_DEFAULTS[key]();
      m.author = people[last.author];
      c.lastMessage = m as Message;
    }
    return c as Conversation;
  });
  return { ...rest, conversations };
}
