/**
 * GET /api/search/suggestions: operators, people (contacts first), your conversations only,
 * has: values and days; the last token is what is completed; bad input is a 400.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  json,
  okJson,
  registerUser,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { applySuggestion, lastToken } from "../../islands/search/query_token.ts";

type Suggestion = { kind: string; insert: string; label: string; detail?: string };

Deno.test("the last token and putting a suggestion in its place", () => {
  assert.deepEqual(lastToken("budget from:an"), { start: 7, token: "from:an" });
  assert.deepEqual(lastToken('x in:"Release pl'), { start: 2, token: 'in:"Release pl' });
  assert.deepEqual(lastToken('"a b" c'), { start: 6, token: "c" });
  assert.deepEqual(lastToken("word "), { start: 5, token: "" });
  assert.deepEqual(applySuggestion("budget fr", "", "from:"), {
    text: "budget from:",
    caret: 12,
  });
  assert.deepEqual(applySuggestion("budget from:a", "", "from:ann"), {
    text: "budget from:ann ",
    caret: 16,
  });
  // In the middle of the query: the rest stays, one space between.
  assert.deepEqual(applySuggestion("in:la", " budget", "in:#launch"), {
    text: "in:#launch budget",
    caret: 11,
  });
});

Deno.test("GET /api/search/suggestions completes operators, people and your conversations", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(app, { username: "ben", displayName: "Ben Ode" });
    const bea = await registerUser(app, { username: "bea", displayName: "Beatrice Nguyen" });
    const eve = await registerUser(app, { username: "eve", displayName: "Eve Stone" });
    // Ann: a direct conversation with Ben, a titled group with Ben and Eve, a channel.
    await createConversationVia(app, ann.cookie, [ben.user]);
    await createConversationVia(app, ann.cookie, [ben.user, eve.user], "Release plans");
    // One Ann has left: not hers to search, nor to be offered.
    const left = await createConversationVia(app, ben.cookie, [ann.user, eve.user], "Old plans");
    const leave = await app.fetch(`/api/conversations/${left}/leave`, json("POST", {}, ann.cookie));
    assert.equal(leave.status, 204, await leave.clone().text());
    const channel = await app.fetch(
      "/api/conversations",
      json("POST", { kind: "channel", title: "launch" }, ann.cookie),
    );
    assert.equal(channel.status, 201);
    // Not Ann's: Eve and Bea's "Bake sale", Eve's channel "launch-secret".
    await createConversationVia(app, eve.cookie, [bea.user], "Bake sale");
    const secret = await app.fetch(
      "/api/conversations",
      json("POST", { kind: "channel", title: "launch-secret", visibility: "private" }, eve.cookie),
    );
    assert.equal(secret.status, 201);

    const ask = async (q: string, cookie = ann.cookie): Promise<Suggestion[]> =>
      (await okJson(
        await app.fetch(`/api/search/suggestions?q=${encodeURIComponent(q)}`, withCookie(cookie)),
      )).suggestions;
    const inserts = async (q: string, cookie?: string) =>
      (await ask(q, cookie)).map((s) => s.insert);

    // Operators whose name the last word begins; a finished one is not offered again.
    assert.deepEqual(await inserts("budget fr"), ["from:"]);
    assert.deepEqual(await inserts("b"), ["before:"]);
    assert.deepEqual(await inserts("h"), ["has:"]);
    assert.deepEqual(await inserts("budget"), []);
    assert.deepEqual(await inserts("-fr"), [], "a negated word is no operator");
    assert.deepEqual(await inserts("fr "), [], "nothing is being typed after a space");
    assert.deepEqual(await inserts(""), []);
    const [from] = await ask("f");
    assert.deepEqual(from, {
      kind: "operator",
      insert: "from:",
      label: "from:",
      detail: "Messages by someone (from:me)",
    });

    // has: values, days.
    assert.deepEqual(await inserts("has:"), ["has:file", "has:link"]);
    assert.deepEqual(await inserts("has:l"), ["has:link"]);
    const today = new Date().toISOString().slice(0, 10);
    assert.ok((await inserts("before:")).includes(`before:${today}`));
    assert.deepEqual(await inserts("after:1999"), []);

    // from: — you first, then contacts (Ben, Eve: both in Ann's conversations), then others.
    const people = await ask("from:");
    assert.deepEqual(people.map((s) => s.insert).slice(0, 1), ["from:me"]);
    assert.deepEqual(
      new Set(people.slice(1).map((s) => s.insert)),
      new Set(["from:ben", "from:eve"]),
      "an empty value lists contacts only",
    );
    assert.ok(people.every((s) => s.kind === "person"));
    assert.deepEqual(people.find((s) => s.insert === "from:ben"), {
      kind: "person",
      insert: "from:ben",
      label: "Ben Ode",
      detail: "@ben",
    });
    // "be": Ben (a contact) before Bea (found by the people search), and by display name.
    assert.deepEqual(await inserts("from:be"), ["from:ben", "from:bea"]);
    assert.deepEqual(await inserts("from:@be"), ["from:ben", "from:bea"]);
    assert.deepEqual(await inserts("from:stone"), ["from:eve"]);
    assert.deepEqual(await inserts("budget from:m"), ["from:me"]);
    assert.deepEqual(await inserts("from:zed"), []);

    // in: — Ann's conversations only: the direct one by Ben's name, the group, the channel.
    const all = await ask("in:");
    assert.deepEqual(
      new Set(all.map((s) => s.insert)),
      new Set(["in:@ben", 'in:"Release plans"', "in:#launch"]),
    );
    assert.ok(all.every((s) => s.kind === "conversation"));
    assert.deepEqual(all.find((s) => s.insert === "in:#launch"), {
      kind: "conversation",
      insert: "in:#launch",
      label: "#launch",
      detail: "Channel",
    });
    assert.deepEqual(await inserts("in:#la"), ["in:#launch"], "not Eve's private channel");
    assert.deepEqual(await inserts('in:"rel'), ['in:"Release plans"']);
    assert.deepEqual(await inserts("in:plans"), ['in:"Release plans"'], "a word of the title");
    assert.deepEqual(await inserts('in:"rel pl'), ['in:"Release plans"'], "words' beginnings");
    assert.deepEqual(await inserts('in:"plans x'), []);
    assert.deepEqual(await inserts("in:old"), [], "a conversation Ann left");
    assert.deepEqual(await inserts("in:old", ben.cookie), ['in:"Old plans"']);
    assert.deepEqual(await inserts("in:@b"), ["in:@ben"]);
    assert.deepEqual(await inserts("in:bake"), [], "a conversation Ann is not in");
    // Eve sees hers.
    assert.deepEqual(await inserts("in:la", eve.cookie), ["in:#launch-secret"]);

    // At most eight.
    for (let i = 0; i < 10; i++) {
      await registerUser(app, { username: `bob${i}`, displayName: `Bob ${i}` });
    }
    assert.equal((await ask("from:bob")).length, 8);

    // Bad input and no session.
    const long = await app.fetch(
      `/api/search/suggestions?q=${"x".repeat(2000)}`,
      withCookie(ann.cookie),
    );
    const err = await assertError(long, 400, "invalid_input");
    assert.ok(err.fields?.q);
    const out = await app.fetch("/api/search/suggestions?q=fr");
    assert.equal(out.status, 401);
  });
});
