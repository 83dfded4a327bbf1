/**
 * A webhook speaks for the person who made it: once they are taken out of the conversation
 * (or their account is disabled) an incoming webhook posts nothing and an outgoing one sends
 * the conversation's messages nowhere, though both stay listed for a manager to delete.
 */
import assert from "node:assert/strict";
import { json, okJson, registerUser, startTestApp } from "../support/helpers.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";
import { disableAccount } from "../../lib/admin/mod.ts";

Deno.test("webhooks stop when their creator leaves the conversation or is disabled", async () => {
  const app = await startTestApp({ WEBHOOKS: "1", WEBHOOKS_ALLOW_PRIVATE: "1" });
  const receiver = startWebhookReceiver();
  try {
    // Ann (the site admin) runs the channel; Ben makes its two webhooks.
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const { conversation } = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "ops" }, ann.cookie),
      ),
      201,
    );
    const id: string = conversation.id;
    const add = await app.fetch(
      `/api/conversations/${id}/members`,
      json("POST", { usernames: ["ben"] }, ann.cookie),
    );
    assert.equal(add.status, 200, await add.text());
    const { webhook } = await okJson(
      await app.fetch(
        `/api/conversations/${id}/webhooks`,
        json("POST", { name: "CI" }, ben.cookie),
      ),
      201,
    );
    const outgoing = await okJson(
      await app.fetch(
        `/api/conversations/${id}/outgoing-webhooks`,
        json("POST", { url: receiver.url, events: ["message"] }, ben.cookie),
      ),
      201,
    );
    receiver.secret = outgoing.secret;
    const post = (text: string) =>
      app.fetch(new URL(webhook.url).pathname, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      });
    const say = async (content: string) =>
      await okJson(
        await app.fetch(`/api/conversations/${id}/messages`, json("POST", { content }, ann.cookie)),
        201,
      );

    // While Ben takes part: both work.
    assert.equal((await post("while Ben is in")).status, 200);
    await say("delivered");
    await receiver.waitFor(1);

    // Ben is taken out: nothing is posted through his webhook, nothing is sent to his address.
    const out = await app.fetch(`/api/conversations/${id}/members/${ben.user.id}`, {
      method: "DELETE",
      headers: { cookie: ann.cookie, origin: "http://localhost" },
    });
    assert.equal(out.status < 300, true, await out.text());
    const refused = await post("after Ben left");
    assert.equal(refused.status, 404);
    assert.match((await refused.json()).error.message, /no longer takes part/);
    const secret = await say("not for Ben's server");
    const log = `/api/conversations/${id}/outgoing-webhooks/${outgoing.webhook.id}/deliveries`;
    const dropped = async () => {
      const { deliveries } = await okJson(
        await app.fetch(log, { headers: { cookie: ann.cookie } }),
      );
      return deliveries.find((d: { seq: number }) => d.seq === secret.message.seq);
    };
    for (let i = 0; i < 200 && !(await dropped()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match((await dropped()).error, /no longer takes part/);
    assert.ok(
      !receiver.deliveries.some((d) => d.body.message.content === "not for Ben's server"),
      "the message reached the address of someone who left",
    );

    // Ben back in, then disabled: the same.
    await app.fetch(
      `/api/conversations/${id}/members`,
      json("POST", { usernames: ["ben"] }, ann.cookie),
    );
    assert.equal((await post("Ben is back")).status, 200);
    await disableAccount(app.ctx.kv, ben.user.id);
    assert.equal((await post("Ben is disabled")).status, 404);
  } finally {
    await receiver.stop();
    await app.close();
  }
});

Deno.test("the conversation list's last message keeps the name a webhook posted under", async () => {
  const app = await startTestApp();
  try {
    const ann = await registerUser(app, { username: "ann" });
    const { conversation } = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "builds" }, ann.cookie),
      ),
      201,
    );
    const { webhook } = await okJson(
      await app.fetch(
        `/api/conversations/${conversation.id}/webhooks`,
        json("POST", { name: "CI" }, ann.cookie),
      ),
      201,
    );
    const posted = await app.fetch(new URL(webhook.url).pathname, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "green", username: "Jenkins" }),
    });
    assert.equal(posted.status, 200);
    const { conversations } = await okJson(
      await app.fetch("/api/conversations", { headers: { cookie: ann.cookie } }),
    );
    const row = conversations.find((c: { id: string }) => c.id === conversation.id);
    assert.equal(row.lastMessage.content, "green");
    assert.equal(row.lastMessage.senderName, "Jenkins");
    assert.equal(row.lastMessage.author.isBot, true);
  } finally {
    await app.close();
  }
});
