import type { Conversation } from "../../lib/conversations/mod.ts";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import type { ThreadPage } from "../thread/thread_model.ts";

/** ChatRoom's props, beside their packing: the island imports both; this imports no island. */
export type ChatRoomProps = {
  me: User;
  conversation: Conversation;
  messages: Message[];
  nextCursor: string | null;
  /** The first seq that was unread when the page was made: a "New messages" line goes there. */
  unreadFrom?: number | null;
  /** The server's upload limit (files over it are refused before they are sent). */
  maxUploadBytes?: number;
  /**
   * What the address opened on one message (`?edit=`, `?react=`, `?delete=`): how the page's
   * message actions work without JavaScript, as forms that come back here.
   */
  opened?: { edit?: number; react?: number; delete?: number };
  /** A message to show and highlight instead of the newest (a search result: `?around=`). */
  focusSeq?: number | null;
  /**
   * The thread the address opened beside the conversation (`?thread=<seq>`), with its first
   * page when the server read it (null: the panel reads it).
   */
  thread?: { seq: number; page: ThreadPage | null; missing?: boolean } | null;
  /** The page shows the newest messages (no "Newer messages" link, whatever the head's seq). */
  atEnd?: boolean;
};

/**
 * ChatRoom's props as a page carries them (`data-props`): each message without what the
 * page says once already — its conversation's id, its author (an index into `authors`),
 * and the fields that hold their defaults (no client id, never edited or deleted, no
 * reactions or files). Half the bytes of the plain JSON for a page of chat; `unpack` gives
 * back exactly the props the server rendered with, so hydration sees the same messages.
 */
export type PackedChatRoomProps = Omit<ChatRoomProps, "messages" | "conversation"> & {
  conversation: Omit<ChatRoomProps["conversation"], "lastMessage"> & {
    lastMessage: PackedMessage | null;
  };
  messages: PackedMessage[];
  authors: User[];
};

type PackedMessage = Partial<Omit<Message, "author">> & { author: number };

/** A field and the value it holds on most messages: left out when it holds that value. */
const DEFAULTS = {
  clientId: () => null,
  editedAt: () => null,
  deletedAt: () => null,
  reactions: () => [],
  attachments: () => [],
} as const;
const OPTIONAL = Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[];

function isDefault(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

export function packChatRoomProps(props: ChatRoomProps): PackedChatRoomProps {
  const authors: User[] = [];
  const index = new Map<string, number>();
  const convId = props.conversation.id;
  const pack = (m: Message): PackedMessage => {
    let i = index.get(m.author.id);
    if (i === undefined) {
      i = authors.push(m.author) - 1;
      index.set(m.author.id, i);
    }
    const out: Record<string, unknown> = { ...m, author: i };
    if (m.conversationId === convId) delete out.conversationId;
    for (const key of OPTIONAL) if (isDefault(out[key])) delete out[key];
    return out as PackedMessage;
  };
  const last = props.conversation.lastMessage;
  return {
    ...props,
    conversation: { ...props.conversation, lastMessage: last ? pack(last) : null },
    messages: props.messages.map(pack),
    authors,
  };
}

export function unpackChatRoomProps(packed: PackedChatRoomProps): ChatRoomProps {
  const convId = packed.conversation.id;
  const unpack = (p: PackedMessage): Message => {
    const m: Record<string, unknown> = { conversationId: convId, ...p };
    for (const key of OPTIONAL) if (!(key in m)) m[key] = DEFAULTS[key]();
    m.author = packed.authors[p.author];
    return m as Message;
  };
  const { authors: _authors, ...rest } = packed;
  const last = packed.conversation.lastMessage;
  return {
    ...rest,
    conversation: { ...packed.conversation, lastMessage: last ? unpack(last) : null },
    messages: packed.messages.map(unpack),
  };
}
