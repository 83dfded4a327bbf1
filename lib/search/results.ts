/**
 * A search page's parts: the cursor (the last result's place in the newest-first order) and
 * the results as they go out (message, conversation, snippet and marks).
 */
import { ValidationError } from "../errors.ts";
import { conversationKey, getManyChunked } from "../storage/mod.ts";
import type { ConversationRecord } from "../conversations/mod.ts";
import { type Message, type MessageRecord, withAuthors } from "../messages/mod.ts";
import type { User } from "../shared/user.ts";
import { getUsersByIds } from "../accounts/mod.ts";
import { plainText } from "../shared/plain_text.ts";
import type { ParsedQuery } from "./parse.ts";
import { snippetOf } from "./snippet.ts";

/** What a search result says about where the message lives (to open it in context). */
export type SearchConversation = Pick<ConversationRecord, "id" | "kind" | "title" | "projectId"> & {
  participants: User[];
};
/**
 * A message found, where it is, its text as one plain line (≤ 280 characters, around the
 * first match) and the `[start, end)` UTF-16 ranges of that snippet to highlight.
 */
export type SearchResult = {
  message: Message;
  conversation: SearchConversation;
  snippet: string;
  marks: [number, number][];
};

export type Position = { at: number; conversationId: string; seq: number };
export type Hit = Position & { record?: MessageRecord };

/** Newest first: time, then conversation, then seq, all descending. */
export const newerFirst = (a: Position, b: Position) =>
  b.at - a.at ||
  (a.conversationId < b.conversationId ? 1 : a.conversationId > b.conversationId ? -1 : 0) ||
  b.seq - a.seq;

export function encodeCursor(p: Position): string {
  const json = JSON.stringify([p.at, p.conversationId, p.seq]);
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const BAD_CURSOR = "This cursor is not one a search gave: start the search again.";

export function decodeCursor(cursor: string): Position {
  try {
    const json = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const [at, conversationId, seq] = JSON.parse(json);
    if (
      Number.isSafeInteger(at) && typeof conversationId === "string" &&
      /^[0-9A-Za-z_-]{1,64}$/.test(conversationId) && Number.isSafeInteger(seq) && seq >= 1
    ) return { at, conversationId, seq };
  } catch { /* refused below */ }
  throw new ValidationError(BAD_CURSOR, { cursor: BAD_CURSOR });
}

/** The page's hits as results: messages with authors, conversations, snippets and marks. */
export async function resultsOf(
  kv: Deno.Kv,
  hits: Hit[],
  parsed: ParsedQuery,
): Promise<SearchResult[]> {
  if (hits.length === 0) return [];
  const messages = await withAuthors(kv, hits.map((h) => h.record!));
  const ids = [...new Set(messages.map((m) => m.conversationId))];
  const convs = (await getManyChunked<ConversationRecord>(kv, ids.map(conversationKey)))
    .flatMap((e) => e.value ? [e.value] : []);
  const users = new Map(
    (await getUsersByIds(kv, [...new Set(convs.flatMap((c) => c.participantIds))]))
      .map((u) => [u.id, u]),
  );
  const byId = new Map(convs.map((c) => [c.id, {
    id: c.id,
    kind: c.kind,
    title: c.title,
    projectId: c.projectId,
    participants: c.participantIds.flatMap((id) => users.get(id) ?? []),
  }]));
  return messages.flatMap((message) => {
    const conversation = byId.get(message.conversationId);
    if (!conversation) return [];
    return [{
      message,
      conversation,
      ...snippetOf(plainText(message.content, message.formatted), parsed),
    }];
  });
}
