import assert from "node:assert/strict";
import fc from "fast-check";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { MessageList } from "../../components/MessageList.tsx";
import { shortTime, shortTimeStableUntil } from "../../components/people.tsx";
import { formatMessage } from "./markdown.tsx";
import type { Message } from "../messages/messages.ts";
import { renderDocument } from "./ssr.tsx";
import type { User } from "../accounts/users.ts";

/** No layout around the rendered list. */
const alone = (slot: VNode) => slot;

const ann: User = { id: "u-ann", username: "ann", displayName: "Ann Lee" };
const ben: User = { id: "u-ben", username: "ben", displayName: "Ben Ode" };

function message(seq: number, author: User, content: string, extra: Partial<Message> = {}) {
  const m: Message = {
    id: `m-${seq}`,
    conversationId: "c1",
    seq,
    author,
    content,
    clientId: null,
    createdAt: new Date(Date.now() - (10 - seq) * 60_000).toISOString(),
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments: [],
    formatted: formatMessage(content),
    ...extra,
  };
  return m;
}

const history = [
  message(1, ann, "hello **@ben**, see https://example.com"),
  message(2, ann, "same group"),
  message(3, ben, "a <b>tag</b> & an @ann", {
    reactions: [{ emoji: "👍", userIds: [ann.id, ben.id] }],
  }),
  message(4, ben, "with a file", {
    attachments: [{ id: "f1", name: "a.pdf", size: 1200, contentType: "application/pdf" }],
  }),
  message(5, ann, "gone", { deletedAt: new Date().toISOString(), content: "" }),
  message(6, ben, "edited", { editedAt: new Date().toISOString() }),
];

type ListProps = Parameters<typeof MessageList>[0];

/** A message list as the chat room renders it, for `me`, with Ann and Ben taking part. */
function listOf(messages: Message[], me: User, more: Partial<ListProps> = {}) {
  return (
    <MessageList
      messages={messages}
      pending={[]}
      conversationId="c1"
      me={me}
      people={[ann, ben]}
      {...more}
    />
  );
}

/** Rendered through the cache (renderDocument installs it), it is the same document. */
function assertSameThroughCache(list: VNode) {
  assert.equal(renderDocument(alone, list), `<!DOCTYPE html>${renderToString(list)}`);
}

Deno.test("a cached message is the HTML MessageItem renders, for each viewer and change", () => {
  for (const me of [ann, ben]) {
    // Twice: rendered, then from the cache.
    assertSameThroughCache(listOf(history, me));
    assertSameThroughCache(listOf(history, me));
    // Copies of the same messages (as a fresh read gives), changed: rendered anew.
    const changed = history.map((m) =>
      m.seq === 3
        ? { ...m, reactions: [{ emoji: "👍", userIds: [ben.id] }] }
        : m.seq === 6
        ? { ...m, content: "edited again", formatted: null, editedAt: new Date().toISOString() }
        : { ...m }
    );
    assertSameThroughCache(listOf(changed, me));
    // Someone renamed: reaction labels and names follow.
    const renamed = { ...ben, displayName: "Benedikt" };
    const withRename = changed.map((m) => m.author.id === ben.id ? { ...m, author: renamed } : m);
    assertSameThroughCache(listOf(withRename, me, { people: [ann, renamed] }));
  }
});

Deno.test("an item being edited, opened or highlighted is rendered, not cached", () => {
  const list = listOf(history, ann, {
    editingSeq: 2,
    opened: { react: 3, delete: 1 },
    highlightSeq: 4,
  });
  assert.match(renderToString(list), /role="alertdialog"/);
  assertSameThroughCache(list);
});

Deno.test("shortTimeStableUntil(): shortTime's text holds from now until then", () => {
  const day = 86_400_000;
  const base = Date.UTC(2026, 0, 1);
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 400 * day }),
    fc.integer({ min: -2 * day, max: 20 * day }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    (at, age, share) => {
      const now = new Date(base + at);
      const iso = new Date(base + at - age).toISOString();
      const until = shortTimeStableUntil(iso, now);
      assert.ok(until > now.getTime());
      const text = shortTime(iso, now);
      const end = Number.isFinite(until) ? until : now.getTime() + 400 * day;
      const inside = new Date(now.getTime() + Math.floor((end - now.getTime() - 1) * share));
      assert.equal(shortTime(iso, inside), text);
      assert.equal(shortTime(iso, new Date(end - 1)), text);
    },
  ));
});
