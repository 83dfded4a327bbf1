/**
 * REST shortcuts the HTTP and Chromium tests share: people registered in order, a message
 * (or a reply) said, a conversation's history read, a route called that answers 204.
 */
import assert from "node:assert/strict";
import type { Message } from "../../lib/shared/message.ts";
import { json, okJson, registerUser, type TestApp, withCookie } from "./helpers.ts";

type Fetcher = Pick<TestApp, "fetch">;
/** A registered person: the user, their session cookie and password. */
export type Registered = Awaited<ReturnType<typeof registerUser>>;

/**
 * Registers `names` one after the other (the first account of a store is its admin: name it
 * first), each with that username; `displayNames`: "Ann" for "ann".
 */
export async function people<const N extends string>(
  app: Fetcher,
  names: N[],
  options: { displayNames?: boolean } = {},
): Promise<Record<N, Registered>> {
  const found = {} as Record<N, Registered>;
  for (const username of names) {
    const displayName = options.displayNames
      ? username[0].toUpperCase() + username.slice(1)
      : undefined;
    found[username] = await registerUser(app, {
      username,
      ...(displayName ? { displayName } : {}),
    });
  }
  return found;
}

/** What a message is posted with: its text, or the whole body (a reply's `parentSeq`…). */
export type Said = string | { content: string; [field: string]: unknown };

/** Posts a message over REST (201): the stored message. */
export async function say(
  app: Fetcher,
  cookie: string,
  conversationId: string,
  said: Said,
): Promise<Message> {
  const body = typeof said === "string" ? { content: said } : said;
  const res = await app.fetch(
    `/api/conversations/${conversationId}/messages`,
    json("POST", body, cookie),
  );
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).message;
}

/** A conversation's newest history page as `cookie`'s person reads it. */
export async function history(app: Fetcher, cookie: string, id: string): Promise<Message[]> {
  return (await okJson(await app.fetch(`/api/conversations/${id}/messages`, withCookie(cookie))))
    .messages;
}

/** Calls a route that answers 204 (no body sent). */
export async function call(app: Fetcher, cookie: string, method: string, path: string) {
  const res = await app.fetch(path, json(method, undefined, cookie));
  assert.equal(res.status, 204, `${method} ${path}: ${await res.text()}`);
}
