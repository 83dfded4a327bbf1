/**
 * Issue 16's refusals reach a page without JavaScript as a notice, not a JSON error: a
 * form post that fails goes back to the page it came from with `?error=<code>`.
 */
import assert from "node:assert/strict";
import { json, ORIGIN, registerUser, withApp, withCookie } from "../support/helpers.ts";

function formFrom(page: string, fields: Record<string, string>, cookie: string): RequestInit {
  return {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      origin: ORIGIN,
      referer: `${ORIGIN}${page}`,
      cookie,
    },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  };
}

Deno.test("a taken channel name and an archived channel come back to the page as notices", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const made = await app.fetch(
      "/api/conversations",
      json("POST", { kind: "channel", title: "general" }, ann.cookie),
    );
    assert.equal(made.status, 201);
    const id = (await made.json()).conversation.id;

    const again = await app.fetch(
      "/api/conversations",
      formFrom("/channels", { kind: "channel", title: "General" }, ann.cookie),
    );
    assert.equal(again.status, 303);
    assert.equal(again.headers.get("location"), "/channels?error=name_taken");
    const page = await app.fetch("/channels?error=name_taken", withCookie(ann.cookie));
    assert.match(await page.text(), /A channel with that name exists already/);

    const archived = await app.fetch(
      `/api/conversations/${id}`,
      json("PATCH", { archived: true }, ann.cookie),
    );
    assert.equal(archived.status, 200);
    await archived.body?.cancel();
    const sent = await app.fetch(
      `/api/conversations/${id}/messages`,
      formFrom(`/conversations/${id}`, { content: "hello?" }, ann.cookie),
    );
    assert.equal(sent.status, 303);
    assert.equal(sent.headers.get("location"), `/conversations/${id}?error=archived`);
    const room = await app.fetch(`/conversations/${id}?error=archived`, withCookie(ann.cookie));
    assert.match(await room.text(), /This channel is archived: it is read-only/);
  });
});
