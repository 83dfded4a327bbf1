/**
 * Channels: named rooms of the whole site. A public channel is in everyone's directory and
 * anyone may join it; a private one is seen only by its participants (a 404 for anyone
 * else, like any hidden resource). Names are unique case-insensitively (`channelNameKey`,
 * written in the same commit as the record); the directory reads `channelKey` entries, kept
 * in step with the record by every change (here and manage.ts).
 */
import { Buffer } from "node:buffer";
import { ulid } from "ulid";
import { z } from "zod";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import {
  channelKey,
  channelNameKey,
  channelsPrefix,
  commitWithRetry,
  conversationKey,
  getManyChunked,
  headKey,
  isId,
  membershipKey,
  readMarkKey,
} from "../storage/mod.ts";
import { cleanName } from "../shared/names.ts";
import type { User } from "../shared/user.ts";
import {
  type ChannelVisibility,
  CONVERSATION_PAGE,
  type ConversationRecord,
  MAX_CONVERSATION_PAGE,
} from "./conversation.ts";
import type { ConversationHead } from "./head.ts";
import type { ConversationRow } from "./list.ts";
import { listCacheOf } from "./list_cache.ts";
import { addParticipants } from "./membership.ts";

export const MAX_CHANNEL_NAME = 80;
export const MAX_TOPIC = 250;

/** A channel's directory entry (`channelKey`): what the directory filters and sorts by. */
export type ChannelEntry = {
  title: string;
  topic: string;
  visibility: ChannelVisibility;
  archived: boolean;
};

/** The directory entry of a channel record. */
export function channelEntryOf(record: ConversationRecord): ChannelEntry {
  return {
    title: record.title ?? "",
    topic: record.topic ?? "",
    visibility: record.visibility ?? "public",
    archived: record.archived ?? false,
  };
}

/**
 * A channel's name as stored: cleaned like every name (lib/shared/names.ts), without a
 * leading "#" (people type "#general"). ValidationError (field `title`) when empty or long.
 */
export function channelName(raw: string): string {
  const name = cleanName(raw).replace(/^#+\s*/, "");
  if (!name) {
    throw new ValidationError("Give the channel a name.", { title: "Give the channel a name." });
  }
  if ([...name].length > MAX_CHANNEL_NAME) {
    const says = `A channel's name has at most ${MAX_CHANNEL_NAME} characters.`;
    throw new ValidationError(says, { title: says });
  }
  return name;
}

/** A topic as stored (one line, cleaned; "" for none). ValidationError past MAX_TOPIC. */
export function cleanTopic(raw: string): string {
  const topic = cleanName(raw);
  if ([...topic].length > MAX_TOPIC) {
    const says = `A topic has at most ${MAX_TOPIC} characters.`;
    throw new ValidationError(says, { topic: says });
  }
  return topic;
}

export function nameTaken(name: string): ConflictError {
  return new ConflictError(`There is a channel called “${name}” already.`, "name_taken");
}

/**
 * Creates a channel with its creator as the one participant. Throws ValidationError for a
 * bad name or topic, ConflictError("name_taken") when a channel has that name in any case.
 */
export async function createChannel(
  kv: Deno.Kv,
  creator: User,
  input: { title: string; topic?: string; visibility?: ChannelVisibility },
): Promise<ConversationRecord> {
  const record: ConversationRecord = {
    id: ulid(),
    kind: "channel",
    title: channelName(input.title),
    projectId: null,
    participantIds: [creator.id],
    createdBy: creator.id,
    createdAt: new Date().toISOString(),
    topic: cleanTopic(input.topic ?? ""),
    visibility: input.visibility ?? "public",
    archived: false,
  };
  const name = channelNameKey(record.title!);
  await commitWithRetry(async () => {
    const taken = await kv.get<string>(name);
    if (taken.value) throw nameTaken(record.title!);
    const ok = await kv.atomic().check(taken)
      .set(name, record.id)
      .set(conversationKey(record.id), record)
      .set(membershipKey(creator.id, record.id), true)
      .set(channelKey(record.id), channelEntryOf(record))
      .commit();
    return ok.ok ? true : null;
  });
  listCacheOf(kv).forgetUsers([creator.id]);
  return record;
}

/**
 * The conversation if `userId` may see it: as a participant (`member: true`), or any public
 * channel (`member: false`). Throws NotFoundError otherwise (a private channel you are not
 * in is as hidden as any other conversation).
 */
export async function getVisibleRecord(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<{ record: ConversationRecord; member: boolean }> {
  if (!isId(conversationId)) throw new NotFoundError("Conversation not found.");
  const [member, conv] = await kv.getMany<[boolean, ConversationRecord]>([
    membershipKey(userId, conversationId),
    conversationKey(conversationId),
  ]);
  const record = conv.value;
  if (!record) throw new NotFoundError("Conversation not found.");
  if (member.value) return { record, member: true };
  if (record.kind === "channel" && (record.visibility ?? "public") === "public") {
    return { record, member: false };
  }
  throw new NotFoundError("Conversation not found.");
}

/**
 * `userId` joins a public channel (a private one they are not in: NotFoundError; any other
 * kind: NotFoundError too, unless they take part already). Returns the record and whether
 * they were added (false: they were in already).
 */
export async function joinChannel(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<{ record: ConversationRecord; joined: boolean }> {
  const { record, member } = await getVisibleRecord(kv, conversationId, userId);
  if (member) {
    if (record.kind !== "channel") {
      throw new ConflictError("Only channels are joined.", "not_a_channel");
    }
    return { record, joined: false };
  }
  const added = await addParticipants(kv, conversationId, [userId], (now) => {
    // Made private (or gone) since: as hidden as before.
    if (now.kind !== "channel" || (now.visibility ?? "public") !== "public") {
      throw new NotFoundError("Conversation not found.");
    }
  });
  return { record, joined: added.length > 0 };
}

/** A directory page goes on after this (see listChannelRows). */
export const channelCursorSchema = z.string().max(600).regex(/^[A-Za-z0-9_-]+$/);

/** A channel of the directory: its row, and whether the user takes part. */
export type ChannelRow = ConversationRow & { joined: boolean };

/**
 * The directory: every public channel and the private ones `userId` is in, archived ones
 * too, matching `search` (in the name or topic, any case), by name, `limit` at a time after
 * `cursor`. The rows are read fresh; for a channel the user is not in, `mark` is the head's
 * seq (nothing counts as unread).
 */
export async function listChannelRows(
  kv: Deno.Kv,
  userId: string,
  options: { search?: string; cursor?: string | null; limit?: number } = {},
): Promise<{ rows: ChannelRow[]; cursor: string | null }> {
  const limit = Math.min(MAX_CONVERSATION_PAGE, Math.max(1, options.limit ?? CONVERSATION_PAGE));
  const all: { id: string; entry: ChannelEntry }[] = [];
  for await (const e of kv.list<ChannelEntry>({ prefix: channelsPrefix() }, { batchSize: 500 })) {
    all.push({ id: String(e.key[1]), entry: e.value });
  }
  const memberships = await getManyChunked<boolean>(
    kv,
    all.map(({ id }) => membershipKey(userId, id)),
  );
  const joined = new Set(all.flatMap(({ id }, i) => memberships[i].value ? [id] : []));
  const search = cleanName(options.search ?? "").toLowerCase();
  const found = all
    .filter(({ id, entry }) => entry.visibility === "public" || joined.has(id))
    .filter(({ entry }) =>
      !search || entry.title.toLowerCase().includes(search) ||
      entry.topic.toLowerCase().includes(search)
    )
    .map(({ id, entry }) => ({ id, sortKey: entry.title.toLowerCase() }))
    .sort((a, b) => compareKeys([a.sortKey, a.id], [b.sortKey, b.id]));
  let start = 0;
  if (options.cursor) {
    const after = decodeCursor(options.cursor);
    start = found.findIndex((f) => compareKeys([f.sortKey, f.id], after) > 0);
    if (start < 0) start = found.length;
  }
  const page = found.slice(start, start + limit);
  const ids = page.map((p) => p.id);
  const entries = await getManyChunked<unknown>(kv, [
    ...ids.map(conversationKey),
    ...ids.map(headKey),
    ...ids.map((id) => readMarkKey(id, userId)),
  ]);
  const n = ids.length;
  const rows = ids.flatMap((_, i): ChannelRow[] => {
    const record = entries[i].value as ConversationRecord | null;
    const head = entries[n + i].value as ConversationHead | null;
    const member = record?.participantIds.includes(userId) ?? false;
    if (!record || (!member && record.visibility === "private")) return [];
    const mark = member ? (entries[2 * n + i].value as number | null) ?? 0 : head?.seq ?? 0;
    return [{ record, head, mark, joined: member }];
  });
  const last = page.at(-1);
  return {
    rows,
    cursor: last && start + limit < found.length ? encodeCursor([last.sortKey, last.id]) : null,
  };
}

function compareKeys(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function encodeCursor(key: [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === "string")) {
      return key as [string, string];
    }
  } catch { /* below */ }
  const says = "Use the nextCursor of the page before.";
  throw new ValidationError(says, { cursor: says });
}
