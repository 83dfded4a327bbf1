/**
 * The page's ceiling for `deno task bench` (issue 21): a bare Hono server on `Deno.serve`
 * that reads the seeded conversation's 50 newest messages once, at start, and then answers
 * every request with a Preact page of them rendered by preact-render-to-string: the same
 * MessageList, MessageItem and MessageBody the app's page renders, but no session, no KV, no
 * sidebar, no island props and no fragment cache (this process never installs it).
 * Usage: `deno run -A bench/bare_page.ts <port> <kv path> <conversation id> <reader username>`.
 */
import { Hono } from "hono";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { MessageList } from "../components/MessageList.tsx";
import { getConversationForUser, type Message, readHistory } from "../lib/messages/mod.ts";
import { getAccountByUsername } from "../lib/accounts/mod.ts";
import type { User } from "../lib/shared/user.ts";

/** What the page shows, read once: the reader, the room's people and its 50 newest messages. */
export async function loadBarePage(
  kvPath: string,
  conversationId: string,
  reader: string,
): Promise<{ me: User; people: User[]; messages: Message[] }> {
  const kv = await Deno.openKv(kvPath);
  try {
    const account = await getAccountByUsername(kv, reader);
    if (!account) throw new Error(`bare page: no user ${reader}`);
    const conversation = await getConversationForUser(kv, conversationId, account.id);
    const me = conversation.participants.find((p) => p.id === account.id)!;
    const { page } = await readHistory(kv, conversationId, { limit: 50 });
    return { me, people: conversation.participants, messages: page.messages };
  } finally {
    kv.close();
  }
}

/** The page of those messages, rendered anew (every call renders every message). */
export function renderBarePage(
  data: { me: User; people: User[]; messages: Message[] },
  conversationId: string,
): string {
  const list = h(MessageList, {
    messages: data.messages,
    pending: [],
    conversationId,
    me: data.me,
    people: data.people,
  });
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bare page</title>` +
    `</head><body>${renderToString(list)}</body></html>`;
}

if (import.meta.main) {
  const [portArg, kvPath, conversationId, reader] = Deno.args;
  if (!kvPath || !conversationId || !reader) {
    throw new Error("usage: bare_page.ts <port> <kv path> <conversation id> <reader>");
  }
  const data = await loadBarePage(kvPath, conversationId, reader);
  const app = new Hono().get("/", (c) => c.html(renderBarePage(data, conversationId)));
  Deno.serve({ port: Number(portArg), hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
}
