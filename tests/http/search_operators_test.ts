/**
 * GET /api/search's operators against a real server (issue 20): a world of several
 * conversations, some the searcher is not in; phrases, exclusions, from:, in:, dates, has:,
 * snippets and marks; paging to the end; leaving a conversation (cursors included); 400s.
 */
import assert from "node:assert/strict";
import {
  assertError,
  json,
  okJson,
  type Person,
  uploadInit,
  withCookie,
} from "../support/helpers.ts";
import { type Chat, chatTest } from "../support/ws_client.ts";

type Result = {
  message: { seq: number; content: string; conversationId: string; createdAt: string };
  conversation: { id: string };
  snippet: string;
  marks: [number, number][];
};
type Page = { results: Result[]; nextCursor: string | null; partial: boolean };

async function page(
  chat: Chat,
  who: Person,
  q: string,
  extra: Record<string, string> = {},
): Promise<Page> {
  const query = new URLSearchParams({ q, ...extra });
  return await okJson(await chat.server.fetch(`/api/search?${query}`, withCookie(who.cookie)));
}

/** The contents found, newest first. */
async function find(chat: Chat, who: Person, q: string): Promise<string[]> {
  const body = await page(chat, who, q, { limit: "50" });
  assert.equal(body.partial, false);
  return body.results.map((r) => r.message.content);
}

/** The sentence of a refused query (400 invalid_input), from `fields[field]`. */
async function refused(
  chat: Chat,
  who: Person,
  params: Record<string, string>,
  field = "q",
): Promise<string> {
  const res = await chat.server.fetch(
    `/api/search?${new URLSearchParams(params)}`,
    withCookie(who.cookie),
  );
  const body = await assertError(res, 400, "invalid_input");
  return body.fields?.[field] ?? "";
}

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

chatTest("search operators over conversations you are and are not in", async (chat, t) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const cat = await chat.person();
  const eve = await chat.person();
  const dm = await chat.conversation(ann, ben);
  const group = (await okJson(
    await chat.server.fetch(
      "/api/conversations",
      json(
        "POST",
        { participantIds: [ben.user.id, cat.user.id], title: "Release plans" },
        ann.cookie,
      ),
    ),
    201,
  )).conversation.id as string;
  const ops = (await okJson(
    await chat.server.fetch(
      "/api/conversations",
      json("POST", { kind: "channel", title: "ops" }, ann.cookie),
    ),
    201,
  )).conversation.id as string;
  const eves = await chat.conversation(eve, cat);

  await chat.post(ann, dm, "deploy the release plans today");
  await chat.post(ben, dm, "release notes: see https://example.com/notes");
  await chat.post(ann, dm, "deploy failed, late night again");
  await chat.post(cat, group, "plans for the release party");
  const file = (await okJson(
    await chat.server.fetch(
      `/api/conversations/${group}/files`,
      uploadInit("spec.txt", "spec", ann.cookie),
    ),
    201,
  )).file;
  await okJson(
    await chat.server.fetch(
      `/api/conversations/${group}/messages`,
      json(
        "POST",
        { content: "spec for the deploy attached", attachmentIds: [file.id] },
        ann.cookie,
      ),
    ),
    201,
  );
  await chat.post(ann, ops, "deploy ops checklist");
  await chat.post(eve, eves, "deploy secret of eve and cat");

  await t.step(
    "words and their beginnings, every one, newest first, across conversations",
    async () => {
      assert.deepEqual(await find(chat, ann, "deplo"), [
        "deploy ops checklist",
        "spec for the deploy attached",
        "deploy failed, late night again",
        "deploy the release plans today",
      ]);
    },
  );

  await t.step('"phrase": its words in a row; snippet and marks show them', async () => {
    const body = await page(chat, ann, '"release plans"');
    assert.deepEqual(body.results.map((r) => r.message.content), [
      "deploy the release plans today",
    ]);
    const [hit] = body.results;
    assert.equal(hit.snippet, "deploy the release plans today");
    assert.deepEqual(hit.marks.map(([a, b]) => hit.snippet.slice(a, b)), ["release plans"]);
    const words = (await page(chat, ann, "release plan")).results
      .find((r) => r.message.content === "deploy the release plans today")!;
    assert.deepEqual(words.marks.map(([a, b]) => words.snippet.slice(a, b)), ["release", "plans"]);
    assert.deepEqual(await find(chat, ann, '"plans release"'), []);
  });

  await t.step('-word and -"phrase" leave messages out', async () => {
    assert.deepEqual(await find(chat, ann, "deploy -failed -ops"), [
      "spec for the deploy attached",
      "deploy the release plans today",
    ]);
    assert.deepEqual(await find(chat, ann, 'deploy -"late night" -"ops checklist"'), [
      "spec for the deploy attached",
      "deploy the release plans today",
    ]);
    assert.deepEqual(
      await find(chat, ann, 'deploy -"night late"'),
      await find(chat, ann, "deploy"),
    );
  });

  await t.step("from: one person, several, @name, me; alone it lists what they wrote", async () => {
    assert.deepEqual(await find(chat, ann, `release from:${ben.user.username}`), [
      "release notes: see https://example.com/notes",
    ]);
    assert.deepEqual(
      await find(chat, ann, `release from:@${cat.user.username} from:${ben.user.username}`),
      [
        "plans for the release party",
        "release notes: see https://example.com/notes",
      ],
    );
    assert.deepEqual(await find(chat, ben, "deploy from:me"), []);
    assert.deepEqual(await find(chat, ann, `from:${cat.user.username}`), [
      "plans for the release party",
    ], "not eve's conversation");
    assert.deepEqual(await find(chat, cat, `from:${cat.user.username}`), [
      "plans for the release party",
    ]);
  });

  await t.step("in: a #channel, a title (quoted, any case), @person; several: any", async () => {
    assert.deepEqual(await find(chat, ann, "deploy in:#ops"), ["deploy ops checklist"]);
    assert.deepEqual(await find(chat, ann, 'in:"RELEASE plans"'), [
      "spec for the deploy attached",
      "plans for the release party",
    ]);
    assert.deepEqual(await find(chat, ann, `deploy in:@${ben.user.username}`), [
      "deploy failed, late night again",
      "deploy the release plans today",
    ]);
    assert.deepEqual(await find(chat, ann, `deploy in:#ops in:@${ben.user.username}`), [
      "deploy ops checklist",
      "deploy failed, late night again",
      "deploy the release plans today",
    ]);
    assert.equal(
      await refused(chat, ben, { q: "deploy in:#ops" }),
      "You take part in no conversation called “#ops”",
    );
    assert.equal(
      await refused(chat, ann, { q: `in:@${eve.user.username}` }),
      `You have no direct conversation with @${eve.user.username}`,
    );
  });

  await t.step("has:file and has:link", async () => {
    assert.deepEqual(await find(chat, ann, "has:file"), ["spec for the deploy attached"]);
    assert.deepEqual(await find(chat, ann, "has:link"), [
      "release notes: see https://example.com/notes",
    ]);
    assert.deepEqual(await find(chat, ann, "deploy has:link"), []);
  });

  await t.step("before: and after: days, exclusive", async () => {
    const everything = await find(chat, ann, "deploy");
    assert.deepEqual(await find(chat, ann, `deploy after:${day(-1)} before:${day(1)}`), everything);
    assert.deepEqual(await find(chat, ann, `deploy before:${day(0)}`), []);
    assert.deepEqual(await find(chat, ann, `deploy after:${day(0)}`), []);
    assert.deepEqual(await find(chat, ann, `after:${day(-1)} in:#ops`), ["deploy ops checklist"]);
  });

  await t.step("never a result from a conversation you are not in", async () => {
    assert.deepEqual(await find(chat, eve, "deploy"), ["deploy secret of eve and cat"]);
    assert.deepEqual(await find(chat, ben, "deploy"), [
      "spec for the deploy attached",
      "deploy failed, late night again",
      "deploy the release plans today",
    ]);
  });

  await t.step("leaving: its messages are gone, cursors made before included", async () => {
    // A cursor whose next page would reach into the group, then Ben leaves the group.
    const withDeploy = await page(chat, ben, "deploy", { limit: "1" });
    assert.equal(withDeploy.results[0].message.conversationId, group);
    const res = await chat.server.fetch(
      `/api/conversations/${group}/leave`,
      json("POST", {}, ben.cookie),
    );
    assert.ok(res.status < 300, `leave: ${res.status}`);
    const rest = await page(chat, ben, "deploy", { limit: "5", cursor: withDeploy.nextCursor! });
    assert.deepEqual(rest.results.map((r) => r.message.content), [
      "deploy failed, late night again",
      "deploy the release plans today",
    ]);
    assert.ok(rest.results.every((r) => r.message.conversationId !== group));
    assert.deepEqual(await find(chat, ben, "deploy"), [
      "deploy failed, late night again",
      "deploy the release plans today",
    ]);
    assert.match(await refused(chat, ben, { q: 'in:"Release plans"' }), /no conversation called/);
  });

  await t.step("400s say what is wrong", async () => {
    assert.equal(
      await refused(chat, ann, { q: "deploy before:tomorrow" }),
      "before: takes a date like 2026-12-05",
    );
    assert.equal(await refused(chat, ann, { q: "has:pictures" }), "has: takes file or link");
    assert.equal(
      await refused(chat, ann, { q: "from:zed_nobody" }),
      "Nobody is called @zed_nobody",
    );
    assert.match(await refused(chat, ann, { q: "-deploy" }), /only exclusions/);
    assert.match(await refused(chat, ann, { q: "deploy", cursor: "garbage!" }, "cursor"), /cursor/);
    assert.match(
      await refused(chat, ann, { q: "deploy", cursor: btoa('["x",1,2]') }, "cursor"),
      /cursor/,
    );
    await assertError(
      await chat.server.fetch("/api/search?q=deploy&tz=9999", withCookie(ann.cookie)),
      400,
      "invalid_input",
    );
  });
}, { RATE_LIMIT_SCALE: "0" });

chatTest("paging goes through every result once, newest first, to the end", async (chat) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const cat = await chat.person();
  const ids = [
    await chat.conversation(ann, ben),
    await chat.conversation(ann, cat),
    await chat.conversation(ann, ben, cat),
  ];
  const sent: string[] = [];
  const byCat = new Set<string>();
  for (let i = 0; i < 23; i++) {
    const content = `paging item ${i}${i % 4 === 0 ? " skip" : ""}`;
    const author = i % 2 === 0 ? ann : i % 3 === 1 ? cat : ben;
    if (author === cat) byCat.add(content);
    await chat.post(author, ids[i % 3], content);
    sent.push(content);
  }
  const expected = sent.filter((c) => !c.endsWith("skip")).reverse();
  for (
    const q of [
      "paging -skip",
      "item -skip",
      `paging -skip from:${ann.user.username} from:${ben.user.username}`,
    ]
  ) {
    for (const limit of [1, 4, 7, 50]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const body: Page = await page(chat, ann, q, {
          limit: String(limit),
          ...(cursor ? { cursor } : {}),
        });
        assert.equal(body.partial, false);
        assert.ok(body.results.length <= limit);
        seen.push(...body.results.map((r) => r.message.content));
        cursor = body.nextCursor;
        assert.ok(++pages <= 30, "ends");
      } while (cursor);
      const want = q.includes("from:") ? expected.filter((c) => !byCat.has(c)) : expected;
      assert.deepEqual(seen, want, `${q}, ${limit} a page`);
    }
  }
  // Without a word to look up: messages walked newest first, paged the same way.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const body: Page = await page(chat, ben, `in:@${ann.user.username}`, {
      limit: "3",
      ...(cursor ? { cursor } : {}),
    });
    seen.push(...body.results.map((r) => r.message.content));
    cursor = body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, sent.filter((_, i) => i % 3 === 0).reverse());
}, { RATE_LIMIT_SCALE: "0" });
