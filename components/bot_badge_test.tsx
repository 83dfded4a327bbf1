/**
 * The Bot badge and an integration's `senderName` in message rows, as the server and the chat
 * island render them (one MessageList): a bot's message shows "Bot" beside its name; a
 * message posted under another name (an incoming webhook's `username`) shows that name, still
 * with the badge, and each name heads its own group; the fragment cache keeps them apart.
 */
import assert from "node:assert/strict";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { MessageList } from "./MessageList.tsx";
import { MemberList } from "./MemberList.tsx";
import { formatMessage } from "../lib/messages/mod.ts";
import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { installFragmentCache, renderDocument } from "../lib/web/mod.ts";
import { MESSAGE_FRAGMENT_BOUNDS, messageFragments } from "./message_fragments.tsx";

/** A fixed moment (a few minutes ago): a message made again is the same message. */
const START = Date.now() - 5 * 60_000;
const ann: User = { id: "u-ann", username: "ann", displayName: "Ann Lee" };
const hook: User = { id: "u-hook", username: "hook-1", displayName: "CI", isBot: true };

/** A message; `senderName` as an incoming webhook stores it. */
function message(seq: number, author: User, content: string, senderName?: string): Message {
  return {
    id: `m-${seq}`,
    conversationId: "c1",
    seq,
    author,
    content,
    clientId: null,
    createdAt: new Date(START + seq * 1000).toISOString(),
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments: [],
    formatted: formatMessage(content),
    ...(senderName ? { senderName } : {}),
  };
}

function render(messages: Message[]): string {
  return renderToString(
    <MessageList messages={messages} pending={[]} conversationId="c1" me={ann} people={[ann]} />,
  );
}

/** The names the group headers show, in order, each with whether a badge follows it. */
function headers(html: string): string[] {
  return [...html.matchAll(/class="msg-name">([^<]*)<\/span>(<span[^>]*data-bot-badge)?/g)]
    .map((m) => `${m[1]}${m[2] ? " [Bot]" : ""}`);
}

const history = [
  message(1, ann, "deploying now"),
  message(2, hook, "Build 41 passed"),
  message(3, hook, "Build 42 passed"),
  message(4, hook, "Deploy finished", "Deployer"),
  message(5, hook, "Rolled back", "Deployer"),
  message(6, hook, "Build 43 passed"),
];

Deno.test("a bot's messages show the Bot badge; a senderName replaces the name and heads its own group", () => {
  const html = render(history);
  // The avatar's initials follow the name shown.
  assert.deepEqual([...html.matchAll(/class="avatar[^"]*">([^<]*)</g)].map((m) => m[1]), [
    "AL",
    "CI",
    "DE",
    "CI",
  ]);
  assert.deepEqual(headers(html), [
    "Ann Lee",
    "CI [Bot]",
    "Deployer [Bot]",
    "CI [Bot]",
  ]);
});

Deno.test("the kept copies of the server's pages keep a senderName apart from the author's name", () => {
  const list = (messages: Message[]) => (
    <MessageList messages={messages} pending={[]} conversationId="c1" me={ann} people={[ann]} />
  );
  const renamed = history.map((m) =>
    m.seq === 2 ? message(2, hook, "Build 41 passed", "Deployer") : m
  );
  const rounds = [history, history, renamed];
  // Expected: rendered without the cache (once installed, every rendering goes through it).
  const expected = rounds.map((messages) => `<!DOCTYPE html>${render(messages)}`);
  const cache = installFragmentCache(messageFragments, MESSAGE_FRAGMENT_BOUNDS);
  try {
    // Rendered, then from the kept copies, then with message 2 under another name (still
    // heading a group): the copy kept for that message id must not answer for it.
    rounds.forEach((messages, i) => {
      assert.equal(renderDocument((slot: VNode) => slot, list(messages)), expected[i]);
    });
    assert.equal(cache.entries.count, history.length, "one kept copy per message");
  } finally {
    cache.uninstall();
  }
  assert.deepEqual(headers(render(renamed)), [
    "Ann Lee",
    "Deployer [Bot]",
    "CI [Bot]",
    "Deployer [Bot]",
    "CI [Bot]",
  ]);
});

Deno.test("member lists mark bots", () => {
  const html = renderToString(
    <MemberList
      project={{ id: "p1", name: "P", ownerId: ann.id } as never}
      members={[
        { user: ann, role: "owner" },
        { user: hook, role: "member" },
      ] as never}
      me={ann}
    />,
  );
  assert.equal((html.match(/data-bot-badge/g) ?? []).length, 1);
});
