/**
 * Link previews end to end, over real HTTP and real WebSockets: the app on 127.0.0.1 with its
 * preview worker (PREVIEWS: "1") and the pages on another real server
 * (tests/support/page_server.ts; UNFURL_ALLOW_PRIVATE: "1" lets it reach 127.0.0.1).
 */
import assert from "node:assert/strict";
import { assertError, form, json, withCookie } from "../support/helpers.ts";
import { chatTest, type Client } from "../support/ws_client.ts";
import { PNG_1X1, startPageServer } from "../support/page_server.ts";
import type { Message } from "../../lib/shared/message.ts";
import { UNFURL_QUEUE } from "../../lib/shared/message.ts";
import { outboxJobKey } from "../../lib/storage/mod.ts";
import { hashUrl, runJob } from "../../lib/previews/mod.ts";

const ENV = { PREVIEWS: "1", UNFURL_ALLOW_PRIVATE: "1" };

chatTest("link previews: stored, delivered live, served, removed", async (chat, t) => {
  const site = startPageServer();
  const kv = chat.server.ctx.kv;
  try {
    const { ann, ben, conversationId: id, a, b } = await chat.pair();
    const eve = await chat.person();
    a.send({ type: "join", conversationId: id });
    b.send({ type: "join", conversationId: id });
    const joined = await b.next("recent_messages");
    await a.next("recent_messages");
    const msgPath = (seq: number) => `/api/conversations/${id}/messages/${seq}`;
    /** Resolves once the message's unfurl job has run (its outbox entry is gone). */
    const jobDone = async (seq: number) => {
      const key = outboxJobKey(UNFURL_QUEUE, `${id}.${seq}`);
      for (let i = 0; i < 200; i++) {
        if ((await kv.get(key)).versionstamp === null) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`the unfurl job of ${seq} never finished`);
    };
    const previewFrame = (c: Client, seq: number) =>
      c.next("message_updated", (f) => f.message.seq === seq && f.message.preview !== undefined);
    const latest = async (seq: number): Promise<Message> =>
      (await chat.history(ben, id)).find((m) => m.seq === seq)!;

    let first: Message;
    let imagePath = "";
    await t.step("a normal page: its OpenGraph card reaches Ben's socket as a change", async () => {
      first = await chat.post(ann, id, `the handbook: ${site.base}/page and ${site.base}/titled`);
      assert.equal(first.preview, undefined);
      const frame = await previewFrame(b, first.seq);
      const hash = await hashUrl(`${site.base}/page`);
      imagePath = `/api/previews/${hash}/image?c=${encodeURIComponent(id)}&s=${first.seq}`;
      assert.deepEqual(frame.message.preview, {
        url: `${site.base}/page`,
        title: "The Hearth handbook",
        description: "How the team works: chat, threads & search.",
        siteName: "Hearth Docs",
        image: imagePath,
      });
      assert.ok(typeof frame.rev === "number" && frame.rev > (joined.rev ?? 0));
      // Ann's socket too; the stored message has it; only the first link was fetched.
      await previewFrame(a, first.seq);
      assert.deepEqual((await latest(first.seq)).preview, frame.message.preview);
      assert.equal(site.hits("/titled"), 0);
    });

    await t.step("catch-up: a socket rejoining from an older rev is sent the preview", async () => {
      const late = await chat.connect(ben);
      late.send({ type: "join", conversationId: id, since: first.seq, rev: joined.rev });
      const frame = await previewFrame(late, first.seq);
      assert.equal(frame.message.preview?.title, "The Hearth handbook");
    });

    await t.step(
      "the image: to people in the conversation, as a PNG, private, nosniff",
      async () => {
        const res = await chat.server.fetch(imagePath, withCookie(ben.cookie));
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "image/png");
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
        assert.match(res.headers.get("cache-control") ?? "", /^private/);
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), PNG_1X1);
        // Served from the store: the page server was asked once.
        assert.equal(site.hits("/image.png"), 1);
        await assertError(
          await chat.server.fetch(imagePath, withCookie(eve.cookie)),
          404,
          "not_found",
        );
        assert.equal((await chat.server.fetch(imagePath)).status, 401);
        const hash = imagePath.split("/")[3];
        // Another message of the conversation (no such image on it), a bad hash, no message.
        const other = await chat.post(ben, id, "no link");
        for (
          const path of [
            `/api/previews/${hash}/image?c=${id}&s=${other.seq}`,
            `/api/previews/${"0".repeat(64)}/image?c=${id}&s=${first.seq}`,
            `/api/previews/not-a-hash/image?c=${id}&s=${first.seq}`,
          ]
        ) {
          await assertError(
            await chat.server.fetch(path, withCookie(ben.cookie)),
            404,
            "not_found",
          );
        }
        const bad = await chat.server.fetch(
          `/api/previews/${hash}/image?s=x`,
          withCookie(ben.cookie),
        );
        assert.equal(bad.status, 400);
      },
    );

    await t.step("the day's cache: the same link again makes no request", async () => {
      const again = await chat.post(ben, id, `again ${site.base}/page`);
      const frame = await previewFrame(a, again.seq);
      assert.equal(frame.message.preview?.title, "The Hearth handbook");
      assert.equal(site.hits("/page"), 1);
      assert.equal(site.hits("/image.png"), 1);
    });

    await t.step("hostile markup in a title: stored and sent as text, shown escaped", async () => {
      const m = await chat.post(ann, id, `${site.base}/hostile`);
      const frame = await previewFrame(b, m.seq);
      assert.equal(
        frame.message.preview?.title,
        `<script>alert("t")</script><img src=x onerror=alert(1)> evil`,
      );
      assert.equal(frame.message.preview?.siteName, "127.0.0.1");
      assert.equal(frame.message.preview?.image, undefined);
      const page = await (await chat.server.fetch(`/conversations/${id}`, withCookie(ben.cookie)))
        .text();
      assert.ok(!page.includes("<img src=x onerror"), "the title's markup reached the page");
      assert.ok(!page.includes('<script>alert("t")'));
      // The card is on the page (components/LinkPreview.tsx), its title as escaped text.
      const card = page.slice(page.indexOf(`data-preview="${site.base}/hostile"`));
      assert.ok(card.length < page.length, "no card on the page");
      assert.ok(card.includes("&lt;img src=x onerror=alert(1)> evil"), "no escaped title");
    });

    await t.step("no job for a link in code, and none for a message without one", async () => {
      const code = await chat.post(ann, id, "`" + `${site.base}/page?v=code` + "`");
      const plain = await chat.post(ann, id, "just words");
      for (const m of [code, plain]) {
        assert.equal(
          (await kv.get(outboxJobKey(UNFURL_QUEUE, `${id}.${m.seq}`))).versionstamp,
          null,
        );
      }
    });

    await t.step(
      "a link redirecting to link-local: refused, no preview, no request there",
      async () => {
        const m = await chat.post(
          ann,
          id,
          `${site.base}/redirect?to=${
            encodeURIComponent("http://169.254.169.254/latest/meta-data/")
          }`,
        );
        await jobDone(m.seq);
        assert.equal(site.hits("/redirect"), 1);
        assert.equal((await latest(m.seq)).preview, undefined);
      },
    );

    await t.step("a non-HTML link and a slow one: no preview", async () => {
      const json1 = await chat.post(ann, id, `${site.base}/json`);
      const slow = await chat.post(ann, id, `${site.base}/slow`);
      await jobDone(json1.seq);
      await jobDone(slow.seq);
      assert.equal((await latest(json1.seq)).preview, undefined);
      assert.equal((await latest(slow.seq)).preview, undefined);
    });

    await t.step(
      "removal: others 403, outsiders 404; the author's DELETE 204, live to all",
      async () => {
        await assertError(
          await chat.server.fetch(
            `${msgPath(first.seq)}/preview`,
            json("DELETE", undefined, ben.cookie),
          ),
          403,
          "forbidden",
        );
        await assertError(
          await chat.server.fetch(
            `${msgPath(first.seq)}/preview`,
            json("DELETE", undefined, eve.cookie),
          ),
          404,
          "not_found",
        );
        await assertError(
          await chat.server.fetch(`${msgPath(999)}/preview`, json("DELETE", undefined, ann.cookie)),
          404,
          "not_found",
        );
        const res = await chat.server.fetch(
          `${msgPath(first.seq)}/preview`,
          json("DELETE", undefined, ann.cookie),
        );
        assert.equal(res.status, 204);
        for (const c of [a, b]) {
          const f = await c.next(
            "message_updated",
            (f) => f.message.seq === first.seq && f.message.preview === null,
          );
          assert.equal(f.message.content, first.content);
        }
        assert.equal((await latest(first.seq)).preview, null);
        // Its image is no longer served for that message.
        await assertError(
          await chat.server.fetch(imagePath, withCookie(ben.cookie)),
          404,
          "not_found",
        );
        // Again: 204, no change.
        const again = await chat.server.fetch(
          `${msgPath(first.seq)}/preview`,
          json("DELETE", undefined, ann.cookie),
        );
        assert.equal(again.status, 204);
      },
    );

    await t.step("it stays removed: an edit to another link brings no preview", async () => {
      const res = await chat.server.fetch(
        msgPath(first.seq),
        json("PATCH", { content: `now ${site.base}/twitter` }, ann.cookie),
      );
      assert.equal(res.status, 200);
      await jobDone(first.seq);
      assert.equal(site.hits("/twitter"), 0);
      assert.equal((await latest(first.seq)).preview, null);
    });

    await t.step(
      "an edit that changes the first link: the old card goes, the new one comes",
      async () => {
        const m = await chat.post(ben, id, `${site.base}/titled?v=edit`);
        assert.equal((await previewFrame(a, m.seq)).message.preview?.title, "Only a <title>");
        const res = await chat.server.fetch(
          msgPath(m.seq),
          json("PATCH", { content: `better: ${site.base}/twitter?v=edit` }, ben.cookie),
        );
        assert.equal(res.status, 200);
        assert.equal((await res.json()).message.preview, undefined);
        const frame = await previewFrame(a, m.seq);
        assert.deepEqual(frame.message.preview, {
          url: `${site.base}/twitter?v=edit`,
          title: "A card",
          description: "From the Twitter tags",
          siteName: "127.0.0.1",
        });
        // An edit that keeps the first link keeps the card.
        const keep = await chat.server.fetch(
          msgPath(m.seq),
          json("PATCH", { content: `best: ${site.base}/twitter?v=edit !` }, ben.cookie),
        );
        assert.equal((await keep.json()).message.preview?.title, "A card");
      },
    );

    await t.step(
      "the form twin: 303 back to the message; a later unfurl does nothing",
      async () => {
        const m = await chat.post(ann, id, `${site.base}/page?v=form`);
        const res = await chat.server.fetch(
          `${msgPath(m.seq)}/preview/remove`,
          { ...form({}, ann.cookie), redirect: "manual" },
        );
        assert.equal(res.status, 303);
        assert.equal(res.headers.get("location"), `/conversations/${id}#m${m.seq}`);
        assert.equal((await latest(m.seq)).preview, null);
        await jobDone(m.seq);
        // The job run again (as a retry or a second process would): no request, no card.
        const before = site.hits("/page");
        const payload = { conversationId: id, seq: m.seq, url: `${site.base}/page?v=form` };
        const job = {
          id: `${id}.${m.seq}`,
          queue: UNFURL_QUEUE,
          payload,
          attempt: 1,
          queuedAt: Date.now(),
        };
        assert.equal(await runJob(chat.server.ctx, job), "done");
        assert.equal(site.hits("/page"), before);
        assert.equal((await latest(m.seq)).preview, null);
        // A preview found before the removal and stored after it (a slow job): not stored.
        const server = { id: "", username: "hearth", displayName: "Link previews" };
        const late = { url: payload.url, title: "Late", description: "", siteName: "x" };
        const stored = await chat.server.ctx.hub.changeMessage(
          server,
          { conversationId: id, seq: m.seq },
          { kind: "preview", preview: late },
        );
        assert.equal(stored.rev, null);
        // Nor one for a link the message no longer has first.
        const other = await chat.post(ann, id, `${site.base}/json?v=other`);
        const stale = await chat.server.ctx.hub.changeMessage(
          server,
          { conversationId: id, seq: other.seq },
          { kind: "preview", preview: late },
        );
        assert.equal(stale.rev, null);
        assert.equal((await latest(m.seq)).preview, null);
        await assertError(
          await chat.server.fetch(`${msgPath(m.seq)}/preview/remove`, form({}, ben.cookie)),
          403,
          "forbidden",
        );
      },
    );
    await t.step("a deleted message loses its card", async () => {
      const m = await chat.post(ann, id, `${site.base}/page?v=delete`);
      await previewFrame(b, m.seq);
      const res = await chat.server.fetch(msgPath(m.seq), json("DELETE", undefined, ann.cookie));
      assert.equal(res.status < 300, true);
      assert.equal((await latest(m.seq)).preview, undefined);
    });
  } finally {
    await site.close();
  }
}, ENV);
