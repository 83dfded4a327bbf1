/**
 * Issue 15, item 11: a person's searches are limited (lib/search/gate.ts): past the minute's
 * count the API answers 429 with Retry-After, and the search page says so (429, the box
 * still there), never JSON in the page's place nor a 500.
 */
import assert from "node:assert/strict";
import { assertError, registerUser, withApp, withCookie } from "../support/helpers.ts";

Deno.test("searches past a person's limit: 429 with Retry-After, and the page says so", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    // RATE_LIMIT_SCALE 0.1: 3 searches a minute.
    for (let i = 0; i < 3; i++) {
      const res = await app.fetch(`/api/search?q=hello${i}`, withCookie(ann.cookie));
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    const api = await app.fetch("/api/search?q=again", withCookie(ann.cookie));
    assert.ok(Number(api.headers.get("retry-after")) > 0);
    await assertError(api, 429, "rate_limited");

    const page = await app.fetch("/search?q=again", withCookie(ann.cookie));
    assert.equal(page.status, 429);
    assert.ok(Number(page.headers.get("retry-after")) > 0);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const html = await page.text();
    assert.match(html, /role="alert"[^>]*>You have searched a lot just now/);
    assert.match(html, /id="search-page-q"/, "the search box is still there");

    // Another person's searches are their own.
    const other = await app.fetch("/api/search?q=hello", withCookie(ben.cookie));
    assert.equal(other.status, 200);
    await other.body?.cancel();
  }, { RATE_LIMIT_SCALE: "0.1" });
});

Deno.test("looking people up by name is limited per person too: 429 with Retry-After", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    // RATE_LIMIT_SCALE 0.1: 30 look-ups a minute.
    for (let i = 0; i < 30; i++) {
      const res = await app.fetch(`/api/conversations/users?search=a${i}`, withCookie(ann.cookie));
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    const res = await app.fetch("/api/conversations/users?search=b", withCookie(ann.cookie));
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    await assertError(res, 429, "rate_limited");
  }, { RATE_LIMIT_SCALE: "0.1" });
});
