/**
 * The notifier's email side (the digest itself is tested in email_digest_test.ts): for a
 * person with a confirmed address, each mention and direct message they should hear of is
 * kept as a missed entry, and their digest job is queued once, after the delay. No SMTP
 * server is needed: what is queued is read from the store.
 */
import assert from "node:assert/strict";
import {
  createConversationVia,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
} from "../support/helpers.ts";
import { confirmAddress } from "../support/email.ts";
import { setNotifyPref, startNotifier } from "../../lib/notify/mod.ts";
import { missedKey, missedPrefix, outboxJobKey, outboxQueuePrefix } from "../../lib/storage/mod.ts";

type Who = Awaited<ReturnType<typeof registerUser>>;

async function send(app: TestApp, who: Who, id: string, content: string) {
  const res = await app.fetch(
    `/api/conversations/${id}/messages`,
    json("POST", { content }, who.cookie),
  );
  return (await okJson(res, 201)).message as { seq: number };
}

Deno.test("mentions and direct messages become missed entries and one digest job per person", async () => {
  await withApp(async (app) => {
    const kv = app.ctx.kv;
    const notifier = startNotifier(app.ctx, { start: false, graceMs: 0 });
    try {
      const ann = await registerUser(app, { displayName: "Ann" });
      const ben = await registerUser(app, { displayName: "Ben" });
      const cat = await registerUser(app, { displayName: "Cat" });
      await confirmAddress(app.ctx.kv, ann.user.id, "ann@example.com");
      const group = await createConversationVia(app, ben.cookie, [ann.user, cat.user], "Plans");
      const dm = await createConversationVia(app, cat.cookie, [ann.user]);
      const muted = await createConversationVia(app, cat.cookie, [ann.user, ben.user], "Muted");
      await setNotifyPref(kv, ann.user.id, muted, { level: "all", muted: true });
      await setNotifyPref(kv, ann.user.id, group, { level: "all", muted: false });

      const m1 = await send(app, ben, group, `@${ann.user.username} look`);
      await send(app, ben, group, "no mention: pushed at level all, not emailed");
      const m2 = await send(app, cat, dm, "lunch?");
      await send(app, cat, muted, `@${ann.user.username} muted`);
      // Cat has no address: nothing is kept for her.
      await send(app, ann, muted, `@${cat.user.username} sure`);
      const before = Date.now();
      assert.equal(await notifier.runOnce(), 1); // no subscriptions: only Ann's digest job
      const entries = await Array.fromAsync(kv.list({ prefix: missedPrefix(ann.user.id) }));
      assert.deepEqual(
        entries.map((e) => [e.key[2], e.key[3]]).sort(),
        [[group, m1.seq], [dm, m2.seq]].sort(),
      );
      assert.equal(
        (await Array.fromAsync(kv.list({ prefix: missedPrefix(cat.user.id) }))).length,
        0,
      );
      const due = (await kv.get<number>(outboxJobKey("mail_digest", ann.user.id))).value!;
      assert.ok(due >= before + 10 * 60_000 - 1000, "after EMAIL_DELAY_MINUTES");
      // Another mention while the job waits: one more entry, still one job.
      const m3 = await send(app, ben, group, `@${ann.user.username} again`);
      assert.equal(await notifier.runOnce(), 0);
      assert.equal(
        (await Array.fromAsync(kv.list({ prefix: missedPrefix(ann.user.id) }))).length,
        3,
      );
      assert.ok((await kv.get(missedKey(ann.user.id, group, m3.seq))).versionstamp);
      const jobs = await Array.fromAsync(kv.list({ prefix: outboxQueuePrefix("mail_digest") }));
      assert.equal(jobs.length, 1);
    } finally {
      await notifier.stop();
    }
  }, {
    SMTP_URL: "smtp://127.0.0.1:9",
    MAIL_FROM: "Hearth <hearth@example.com>",
    EMAIL_DELAY_MINUTES: "10",
  });
});
