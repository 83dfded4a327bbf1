import assert from "node:assert/strict";
import fc from "fast-check";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { MessageList } from "./MessageList.tsx";
import { shortTime, shortTimeStableUntil } from "./people.tsx";
import { formatMessage } from "../lib/messages/mod.ts";
import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { installFragmentCache, renderDocument } from "../lib/web/mod.ts";
import { MESSAGE_FRAGMENT_BOUNDS, messageFragments } from "./message_fragments.tsx";

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

/**
 * Renders each list twice: first without the cache (what MessageItem renders), then all of
 * them in order through one cache (as pages come), and says each pair is the same document.
 * Returns the cache, to count its entries.
 */
function assertSameThroughCache(lists: VNode[], bounds = MESSAGE_FRAGMENT_BOUNDS) {
  const expected = lists.map((list) => `<!DOCTYPE html>${renderToString(list)}`);
  const cache = installFragmentCache(messageFragments, bounds);
  try {
    lists.forEach((list, i) => assert.equal(renderDocument(alone, list), expected[i]));
  } finally {
    cache.uninstall();
  }
  return cache.entries;
}

/** Copies of the same messages (as a fresh read gives), some changed. */
const changed = history.map((m) =>
  m.seq === 3
    ? { ...m, reactions: [{ emoji: "👍", userIds: [ben.id] }] }
    : m.seq === 6
    ? { ...m, content: "edited again", formatted: null, editedAt: new Date().toISOString() }
    : { ...m }
);
const renamed = { ...ben, displayName: "Benedikt", username: "benedikt" };
const withRename = changed.map((m) => m.author.id === ben.id ? { ...m, author: renamed } : m);

Deno.test("a cached message is the HTML MessageItem renders, for each viewer and change", () => {
  assertSameThroughCache([ann, ben].flatMap((me) => [
    // Twice: rendered, then from the cache.
    listOf(history, me),
    listOf(history, me),
    listOf(changed, me),
    // Someone renamed: names, reaction labels and which @names are marked follow.
    listOf(withRename, me, { people: [ann, renamed] }),
    listOf(changed, me),
  ]));
});

Deno.test("the cache keeps one entry per message, whoever reads it", () => {
  const entries = assertSameThroughCache([listOf(history, ann), listOf(history, ben)]);
  assert.equal(entries.count, history.length);
});

/** The messages (by seq) whose row has a button labelled `label` (a row runs to the next). */
function rowsWith(html: string, label: string): string[] {
  return html.split('<li id="m').slice(1)
    .filter((row) => row.includes(`aria-label="${label}"`))
    .map((row) => row.slice(0, row.indexOf('"')));
}

Deno.test("Edit and Delete are on your own live messages only, and reactions pressed are yours", () => {
  const forAnn = renderToString(listOf(history, ann));
  const forBen = renderToString(listOf(history, ben));
  // Ann wrote 1, 2 and 5 (deleted: no actions); Ben 3, 4 and 6. Everyone can React.
  for (const label of ["Edit", "Delete"]) {
    assert.deepEqual(rowsWith(forAnn, label), ["1", "2"]);
    assert.deepEqual(rowsWith(forBen, label), ["3", "4", "6"]);
  }
  assert.deepEqual(rowsWith(forAnn, "React"), ["1", "2", "3", "4", "6"]);
  // Nothing rendered for the reader is hidden by CSS instead.
  assert.doesNotMatch(forAnn + forBen, /data-mine|group-\[/);
  // Ann and Ben both reacted 👍 to message 3: pressed for each of them.
  assert.match(forAnn, /aria-pressed="true"/);
  const withoutBen = listOf(history.map((m) => ({ ...m, reactions: [] })), ann);
  assert.doesNotMatch(renderToString(withoutBen), /aria-pressed/);
});

Deno.test("the kept copy has no Edit or Delete: each reader's own get them as it is written out", () => {
  const lists = [listOf(history, ann), listOf(history, ben)];
  // The second round is written from the kept copies, for each reader.
  const entries = assertSameThroughCache([...lists, ...lists]);
  const kept = [...entries.keys()].map((key) => entries.peek(key)!.html);
  assert.equal(kept.length, history.length);
  for (const html of kept) assert.doesNotMatch(html, /aria-label="(Edit|Delete)"/);
  // A slot in every live message's toolbar, filled or emptied per reader.
  assert.equal(kept.filter((html) => html.includes("<hearth-own-tools>")).length, 5);
  const page = renderToString(lists[0]);
  assert.doesNotMatch(page, /hearth-own-tools/);
});

Deno.test("a reactor's name with `$&` in it is written as it is through the cache", () => {
  const cy: User = { id: "u-cy", username: "cy", displayName: "Cy $& $' $` Co" };
  const reacted = [message(1, ann, "hi", { reactions: [{ emoji: "👍", userIds: [cy.id] }] })];
  const list = listOf(reacted, ben, { people: [ann, ben, cy] });
  assert.match(renderToString(list), /Cy \$&amp; \$' \$` Co reacted/);
  assertSameThroughCache([list, list]);
});

Deno.test("mentions of you are marked as yours on the one kept copy, as it is written out", () => {
  const benny: User = { id: "u-benny", username: "benny", displayName: "Benny Ray" };
  const mentions = [message(1, ann, "hi @ben and @benny"), message(2, benny, "@ann: @ben.")];
  const lists = [ann, ben].map((me) => listOf(mentions, me, { people: [ann, ben, benny] }));
  const entries = assertSameThroughCache([...lists, ...lists]);
  assert.equal(entries.count, mentions.length);
  const marked = (list: VNode) => renderToString(list).match(/mention-me/g)?.length ?? 0;
  assert.equal(marked(lists[0]), 1, "Ann's one mention");
  assert.equal(marked(lists[1]), 2, "Ben's two, not Benny's");
});

Deno.test("the cache is bounded by its count of entries", () => {
  const entries = assertSameThroughCache([listOf(history, ann), listOf(changed, ben)], {
    maxEntries: 3,
    maxChars: Infinity,
  });
  assert.equal(entries.count, 3);
});

Deno.test("an item being edited, opened or highlighted is the same through the cache", () => {
  const list = listOf(history, ann, {
    editingSeq: 2,
    opened: { react: 3, delete: 1 },
    highlightSeq: 4,
    actions: {
      startEdit() {},
      cancelEdit() {},
      saveEdit: () => null,
      remove() {},
      react() {},
    },
  });
  assert.match(renderToString(list), /role="alertdialog"/);
  assert.match(renderToString(list), /aria-label="Edit message"/);
  assertSameThroughCache([list, list]);
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

Deno.test("a link preview arriving, changing or removed shows through the cache, its Remove button the author's", () => {
  const card = {
    url: "https://example.com/",
    title: "Example",
    description: "A page",
    siteName: "example.com",
  };
  const withCard = history.map((m) => m.seq === 1 ? { ...m, preview: card } : { ...m });
  const retitled = withCard.map((m) =>
    m.seq === 1 ? { ...m, preview: { ...card, title: "Example, renamed" } } : m
  );
  const removed = withCard.map((m) => m.seq === 1 ? { ...m, preview: null } : m);
  assertSameThroughCache([ann, ben].flatMap((me) => [
    listOf(history, me),
    listOf(withCard, me),
    listOf(retitled, me),
    listOf(removed, me),
  ]));
  const html = (me: User) => renderToString(listOf(withCard, me));
  assert.match(html(ann), /Remove preview/);
  assert.doesNotMatch(html(ben), /Remove preview/);
});
