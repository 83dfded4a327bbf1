/**
 * Notification settings over HTTP (issue 18): a conversation's level and mute per person
 * (defaults, round trip, schema, outsiders, forms), do-not-disturb (presets, limits, forms),
 * and the conversation payloads carrying the viewer's own setting.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  form,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { dndPresetEnd, getDnd, getNotifyPrefs } from "../../lib/notify/mod.ts";

const prefs = (app: TestApp, cookie: string, id: string) =>
  app.fetch(`/api/conversations/${id}/notifications`, withCookie(cookie));
const putPrefs = (app: TestApp, cookie: string, id: string, body: unknown) =>
  app.fetch(`/api/conversations/${id}/notifications`, json("PUT", body, cookie));

Deno.test("conversation notification settings", async (t) => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const eve = await registerUser(app, { displayName: "Eve" });
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    const group = await createConversationVia(app, ann.cookie, [ben.user, eve.user], "Plans");
    const annAndEve = await createConversationVia(app, ann.cookie, [eve.user]);

    await t.step("defaults: direct `all`, a group `mentions`, not muted", async () => {
      assert.deepEqual(await okJson(await prefs(app, ann.cookie, direct)), {
        level: "all",
        muted: false,
      });
      assert.deepEqual(await okJson(await prefs(app, ann.cookie, group)), {
        level: "mentions",
        muted: false,
      });
    });

    await t.step("round trip: PUT answers and stores it; only for the one who set it", async () => {
      const set = await putPrefs(app, ann.cookie, group, { level: "nothing", muted: true });
      assert.deepEqual(await okJson(set), { level: "nothing", muted: true });
      assert.deepEqual(await okJson(await prefs(app, ann.cookie, group)), {
        level: "nothing",
        muted: true,
      });
      // Ben's stays the default.
      assert.deepEqual(await okJson(await prefs(app, ben.cookie, group)), {
        level: "mentions",
        muted: false,
      });
      // The notifier reads the same thing.
      const [a, b] = await getNotifyPrefs(app.ctx.kv, [ann.user.id, ben.user.id], {
        id: group,
        kind: "group",
      });
      assert.deepEqual([a, b], [{ level: "nothing", muted: true }, {
        level: "mentions",
        muted: false,
      }]);
      const back = await putPrefs(app, ann.cookie, group, { level: "all", muted: false });
      assert.deepEqual(await okJson(back), { level: "all", muted: false });
    });

    await t.step("schema: a bad level, a missing field, an extra one, not JSON: 400", async () => {
      for (
        const body of [
          { level: "loud", muted: false },
          { level: "all" },
          { muted: true },
          { level: "all", muted: "yes" },
          { level: "all", muted: false, extra: 1 },
          null,
          [],
        ]
      ) {
        await assertError(await putPrefs(app, ann.cookie, group, body), 400, "invalid_input");
      }
      const broken = await app.fetch(`/api/conversations/${group}/notifications`, {
        ...json("PUT", undefined, ann.cookie),
        headers: { ...json("PUT", {}, ann.cookie).headers as Record<string, string> },
        body: "{not json",
      });
      await assertError(broken, 400, "malformed_json");
      assert.deepEqual(await okJson(await prefs(app, ann.cookie, group)), {
        level: "all",
        muted: false,
      });
    });

    await t.step("outsiders and unknown ids get the 404 of a missing conversation", async () => {
      const missing = await (await app.fetch(
        "/api/conversations/01ARZ3NDEKTSV4RRFFQ69G5FAV",
        withCookie(ben.cookie),
      )).json();
      for (
        const res of [await prefs(app, ben.cookie, annAndEve), await prefs(app, ben.cookie, "x")]
      ) {
        assert.equal(res.status, 404);
        assert.deepEqual(await res.json(), missing);
      }
      // A bad body from an outsider is still the 404, not a 400 that says it exists.
      for (const body of [{ level: "all", muted: false }, { level: "loud" }]) {
        const res = await putPrefs(app, ben.cookie, annAndEve, body);
        assert.equal(res.status, 404);
        assert.deepEqual(await res.json(), missing);
      }
      const viaForm = await app.fetch(
        `/api/conversations/${annAndEve}/notifications`,
        form({ muted: "1" }, ben.cookie),
      );
      assert.equal(viaForm.status, 404);
      const [eves] = await getNotifyPrefs(app.ctx.kv, [ben.user.id], {
        id: annAndEve,
        kind: "direct",
      });
      assert.deepEqual(eves, { level: "all", muted: false });
    });

    await t.step("signed out: 401", async () => {
      assert.equal((await app.fetch(`/api/conversations/${group}/notifications`)).status, 401);
      const res = await app.fetch(
        `/api/conversations/${group}/notifications`,
        json("PUT", { level: "all", muted: true }),
      );
      assert.equal(res.status, 401);
    });

    await t.step("the form twin changes one field and goes back (303)", async () => {
      const res = await app.fetch(`/api/conversations/${direct}/notifications`, {
        ...form({ muted: "1" }, ann.cookie),
        redirect: "manual",
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/conversations/${direct}`);
      assert.deepEqual(await okJson(await prefs(app, ann.cookie, direct)), {
        level: "all",
        muted: true,
      });
      const init = form({ level: "mentions" }, ann.cookie);
      const withReferer = await app.fetch(`/api/conversations/${direct}/notifications`, {
        ...init,
        headers: { ...init.headers as Record<string, string>, referer: "http://localhost/saved" },
      });
      assert.equal(withReferer.status, 303);
      assert.equal(withReferer.headers.get("location"), "/saved");
      assert.deepEqual(await okJson(await prefs(app, ann.cookie, direct)), {
        level: "mentions",
        muted: true,
      });
      const bad = await app.fetch(
        `/api/conversations/${direct}/notifications`,
        form({ level: "loud" }, ann.cookie),
      );
      await assertError(bad, 400, "invalid_input");
    });

    await t.step("the list and the conversation carry the viewer's own setting", async () => {
      const list = await okJson(
        await app.fetch("/api/conversations", withCookie(ann.cookie)),
      ) as { conversations: { id: string; notifications: unknown }[] };
      const byId = new Map(list.conversations.map((c) => [c.id, c.notifications]));
      assert.deepEqual(byId.get(direct), { level: "mentions", muted: true });
      assert.deepEqual(byId.get(group), { level: "all", muted: false });
      assert.deepEqual(byId.get(annAndEve), { level: "all", muted: false });
      const one = await okJson(
        await app.fetch(`/api/conversations/${direct}`, withCookie(ann.cookie)),
      );
      assert.deepEqual(one.conversation.notifications, { level: "mentions", muted: true });
      const bens = await okJson(
        await app.fetch(`/api/conversations/${direct}`, withCookie(ben.cookie)),
      );
      assert.deepEqual(bens.conversation.notifications, { level: "all", muted: false });
      // Starting the direct conversation again answers it with the setting you chose.
      const again = await app.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id] }, ann.cookie),
      );
      const found = await okJson(again, 200);
      assert.equal(found.conversation.id, direct);
      assert.deepEqual(found.conversation.notifications, { level: "mentions", muted: true });
      const channel = await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "news" }, ann.cookie),
      );
      const made = await okJson(channel, 201);
      assert.deepEqual(made.conversation.notifications, { level: "mentions", muted: false });
      // Unread counts stay exact whatever the setting.
      await app.fetch(
        `/api/conversations/${direct}/messages`,
        json("POST", { content: "hello" }, ben.cookie),
      );
      const after = await okJson(
        await app.fetch(`/api/conversations/${direct}`, withCookie(ann.cookie)),
      );
      assert.equal(after.conversation.unreadCount, 1);
    });
  });
});

Deno.test("do-not-disturb", async (t) => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const dnd = (cookie: string) => app.fetch("/api/me/dnd", withCookie(cookie));
    const putDnd = (cookie: string, body: unknown) =>
      app.fetch("/api/me/dnd", json("PUT", body, cookie));

    await t.step("off by default", async () => {
      assert.deepEqual(await okJson(await dnd(ann.cookie)), { until: null });
    });

    await t.step("on until a time: stored, read back, only for its owner", async () => {
      const until = new Date(Date.now() + 60 * 60_000).toISOString();
      assert.deepEqual(await okJson(await putDnd(ann.cookie, { until })), { until });
      assert.deepEqual(await okJson(await dnd(ann.cookie)), { until });
      assert.deepEqual(await okJson(await dnd(ben.cookie)), { until: null });
      const [a, b] = await getDnd(app.ctx.kv, [ann.user.id, ben.user.id]);
      assert.equal(a, Date.parse(until));
      assert.equal(b, null);
      // Another time zone's notation is the same instant.
      const there = new Date(Date.parse(until) + 0).toISOString().replace("Z", "+00:00");
      assert.equal((await putDnd(ann.cookie, { until: there })).status, 200);
    });

    await t.step("off with null", async () => {
      assert.deepEqual(await okJson(await putDnd(ann.cookie, { until: null })), { until: null });
      assert.deepEqual(await okJson(await dnd(ann.cookie)), { until: null });
    });

    await t.step("past, too far, not a time, missing: 400 with the field", async () => {
      const past = new Date(Date.now() - 1000).toISOString();
      const far = new Date(Date.now() + 9 * 24 * 60 * 60_000).toISOString();
      for (const until of [past, far]) {
        const err = await assertError(await putDnd(ann.cookie, { until }), 400, "invalid_input");
        assert.ok(err.fields?.until, JSON.stringify(err));
      }
      for (const body of [{ until: "tomorrow" }, { until: 5 }, {}, { until: null, x: 1 }]) {
        await assertError(await putDnd(ann.cookie, body), 400, "invalid_input");
      }
      assert.deepEqual(await okJson(await dnd(ann.cookie)), { until: null });
    });

    await t.step("signed out: 401", async () => {
      assert.equal((await app.fetch("/api/me/dnd")).status, 401);
      assert.equal((await app.fetch("/api/me/dnd", json("PUT", { until: null }))).status, 401);
    });

    await t.step("the account menu's form: presets, then back to the page (303)", async () => {
      const before = Date.now();
      const init = form({ for: "30m" }, ann.cookie);
      const res = await app.fetch("/api/me/dnd", {
        ...init,
        headers: {
          ...init.headers as Record<string, string>,
          referer: "http://localhost/channels",
        },
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), "/channels");
      const { until } = await okJson(await dnd(ann.cookie));
      const ms = Date.parse(until) - before;
      assert.ok(ms >= 30 * 60_000 && ms < 31 * 60_000, `${ms}`);

      const tomorrow = await app.fetch(
        "/api/me/dnd",
        form({ for: "tomorrow", tzOffset: "-60" }, ann.cookie),
      );
      assert.equal(tomorrow.status, 303);
      assert.equal(tomorrow.headers.get("location"), "/");
      const next = Date.parse((await okJson(await dnd(ann.cookie))).until);
      // 9:00 in UTC+1 is 8:00 UTC.
      assert.equal(new Date(next).getUTCHours(), 8);
      assert.equal(new Date(next).getUTCMinutes(), 0);

      const off = await app.fetch("/api/me/dnd", form({ for: "off" }, ann.cookie));
      assert.equal(off.status, 303);
      assert.deepEqual(await okJson(await dnd(ann.cookie)), { until: null });
      await assertError(
        await app.fetch("/api/me/dnd", form({ for: "forever" }, ann.cookie)),
        400,
        "invalid_input",
      );
    });
  });
});

Deno.test("dndPresetEnd: 'tomorrow' is 9:00 the next day in the reader's time", () => {
  const now = Date.UTC(2026, 11, 4, 23, 30); // 23:30 UTC
  assert.equal(dndPresetEnd("30m", now), now + 30 * 60_000);
  assert.equal(dndPresetEnd("1h", now), now + 60 * 60_000);
  assert.equal(dndPresetEnd("off", now), null);
  // In UTC: 5 Dec 9:00 UTC.
  assert.equal(dndPresetEnd("tomorrow", now), Date.UTC(2026, 11, 5, 9));
  // In New York (UTC-5, offset 300), it is 18:30 on the 4th: 5 Dec 9:00 there = 14:00 UTC.
  assert.equal(dndPresetEnd("tomorrow", now, 300), Date.UTC(2026, 11, 5, 14));
  // In Tokyo (UTC+9, offset -540), it is 08:30 on the 5th: 6 Dec 9:00 there = 0:00 UTC.
  assert.equal(dndPresetEnd("tomorrow", now, -540), Date.UTC(2026, 11, 6, 0));
});

Deno.test("pages show the setting without JavaScript: the header's bell, the sidebar, DND", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const group = await createConversationVia(app, ann.cookie, [ben.user], "Plans");
    const made = await app.fetch("/api/projects", json("POST", { name: "Apollo" }, ann.cookie));
    const { project } = await okJson(made, 201);
    const page = async (path: string) => {
      const res = await app.fetch(path, withCookie(ann.cookie));
      assert.equal(res.status, 200, path);
      return await res.text();
    };

    let html = await page(`/conversations/${group}`);
    assert.match(html, /Mute conversation/);
    assert.doesNotMatch(html, /data-muted="true"/);
    assert.match(html, /Pause notifications/);

    await putPrefs(app, ann.cookie, group, { level: "nothing", muted: true });
    await putPrefs(app, ann.cookie, project.conversationId, { level: "all", muted: true });
    const until = new Date(Date.now() + 60 * 60_000).toISOString();
    await app.fetch("/api/me/dnd", json("PUT", { until }, ann.cookie));

    html = await page(`/conversations/${group}`);
    assert.match(html, /Unmute conversation/);
    // The sidebar's row and the header's bell say so.
    assert.match(html, /<a href="\/conversations\/[0-9A-Z]+"[^>]*data-muted="true"/);
    assert.match(html, /Do not disturb until/);
    assert.match(html, /action="\/api\/me\/dnd"/);
    assert.match(html, new RegExp(`action="/api/conversations/${group}/notifications"`));

    // The project's page carries your setting in its conversation's header too.
    html = await page(`/projects/${project.id}`);
    assert.match(html, /Unmute conversation/);
    assert.match(html, /aria-pressed="true"[^>]*>[\s\S]{0,400}All messages/);
  });
});
