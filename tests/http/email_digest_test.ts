/**
 * The missed-messages email (lib/notify/digest.ts) against a real SMTP server process: one
 * mail per person per window, holding what is still unread, nothing for muted conversations,
 * nothing after unsubscribing. The missed entries and the job are written here as the
 * notifier writes them (its own end-to-end test is in email_notifier_test.ts).
 */
import assert from "node:assert/strict";
import { startSmtpSink } from "../support/smtp.ts";
import {
  createConversationVia,
  json,
  okJson,
  registerUser,
  startTestApp,
  type TestApp,
} from "../support/helpers.ts";
import { getEmailRecord } from "../../lib/accounts/mod.ts";
import { setDnd, setNotifyPref } from "../../lib/notify/mod.ts";
import { confirmAddress, emailEnv, mailWorkers } from "../support/email.ts";
import { closeMailTransports, enqueue } from "../../lib/outbound/mod.ts";
import { missedKey, missedPrefix, outboxJobKey } from "../../lib/storage/mod.ts";
import { countKeys } from "../support/util.ts";

type Who = { user: { id: string; username: string }; cookie: string };

async function send(app: TestApp, who: Who, conversationId: string, content: string) {
  const res = await app.fetch(
    `/api/conversations/${conversationId}/messages`,
    json("POST", { content, clientId: crypto.randomUUID() }, who.cookie),
  );
  return (await okJson(res, 201)).message as { seq: number };
}

/** What the notifier does for a missed message: the entry, and the job once. */
async function missed(app: TestApp, userId: string, conversationId: string, seq: number) {
  const kv = app.ctx.kv;
  const job = await kv.get(outboxJobKey("mail_digest", userId));
  const op = kv.atomic().check(job).set(missedKey(userId, conversationId, seq), { at: "" });
  if (job.versionstamp === null) enqueue(op, "mail_digest", { userId }, { id: userId });
  assert.ok((await op.commit()).ok);
}

Deno.test("one email holds the missed mention and direct message still unread; muted, read and unsubscribed ones are left out", async () => {
  const sink = await startSmtpSink();
  const app = await startTestApp(emailEnv(sink));
  try {
    const [ann, ben, cat] = await Promise.all([
      registerUser(app, { displayName: "Ann" }),
      registerUser(app, { displayName: "Ben Ober" }),
      registerUser(app, { displayName: "Cat" }),
    ]);
    await confirmAddress(app.ctx.kv, ann.user.id, "ann@example.com");
    const plans = await createConversationVia(app, ben.cookie, [ann.user, cat.user], "Plans");
    const dm = await createConversationVia(app, cat.cookie, [ann.user]);
    const readLater = await createConversationVia(app, ben.cookie, [ann.user], "Read later");
    const quiet = await createConversationVia(app, cat.cookie, [ann.user, ben.user], "Quiet");
    const m1 = await send(app, ben, plans, `@${ann.user.username} can you **check** the plan?`);
    const m2 = await send(app, cat, dm, "Lunch at one <b>today</b>?");
    const m3 = await send(app, ben, readLater, `@${ann.user.username} old news`);
    const m4 = await send(app, cat, quiet, `@${ann.user.username} in a muted room`);
    for (const [c, m] of [[plans, m1], [dm, m2], [readLater, m3], [quiet, m4]] as const) {
      await missed(app, ann.user.id, c, m.seq);
    }
    // Read in a tab before the window ended; muted since.
    const read = await app.fetch(
      `/api/conversations/${readLater}/read`,
      json("POST", { seq: m3.seq }, ann.cookie),
    );
    assert.equal(read.status, 204);
    await setNotifyPref(app.ctx.kv, ann.user.id, quiet, { level: "mentions", muted: true });

    const { digest, mail } = mailWorkers(app.ctx);
    assert.equal(await digest.runDue(), 1);
    assert.equal(await countKeys(app.ctx.kv, missedPrefix(ann.user.id)), 0);
    assert.equal(await mail.runDue(), 1);
    const [got] = await sink.waitFor(1);
    assert.deepEqual(got.to, ["ann@example.com"]);
    assert.equal(got.subject, "2 unread messages for you on Hearth");
    assert.match(got.text, /Plans \(http:\/\/chat\.test\/conversations\//);
    assert.match(got.text, /Ben Ober: @\S+ can you check the plan\?/);
    assert.match(got.text, /Cat: Lunch at one <b>today<\/b>\?/);
    assert.doesNotMatch(got.text, /old news|muted room/);
    assert.match(got.html, /Lunch at one &#60;b&#62;today&#60;\/b&#62;\?/, "escaped in HTML");
    assert.doesNotMatch(got.html, /<b>today/);
    const record = (await getEmailRecord(app.ctx.kv, ann.user.id))!;
    const unsubscribe =
      `http://chat.test/email/unsubscribe/${ann.user.id}.${record.unsubscribeSecret}`;
    assert.ok(got.text.includes(unsubscribe), got.text);
    const header = got.headers["raw:list-unsubscribe"].replace(/\r\n/g, ""); // unfolded
    assert.equal(header, `List-Unsubscribe: <${unsubscribe}>`);
    // Once: the job is gone, a second look sends nothing.
    assert.equal(await digest.runDue(), 0);
    assert.equal(await mail.runDue(), 0);
    assert.equal(sink.received.length, 1);

    // Do not disturb: the digest waits (entries kept), nothing is sent meanwhile.
    const m5 = await send(app, cat, dm, "Are you there?");
    await missed(app, ann.user.id, dm, m5.seq);
    await setDnd(app.ctx.kv, ann.user.id, Date.now() + 60 * 60_000);
    assert.equal(await digest.runDue(), 1);
    assert.equal(await mail.runDue(), 0);
    assert.equal(await countKeys(app.ctx.kv, missedPrefix(ann.user.id)), 1);
    await setDnd(app.ctx.kv, ann.user.id, null);
    assert.equal(await digest.runDue(Date.now() + 2 * 60 * 60_000), 1);
    assert.equal(await mail.runDue(), 1);
    const [, second] = await sink.waitFor(2);
    assert.equal(second.subject, "1 unread message for you on Hearth");
    assert.match(second.text, /Are you there\?/);
    assert.doesNotMatch(second.text, /Lunch/, "what was mailed is not mailed again");

    // Unsubscribed (the link's page is tested in email_http_test.ts): entries dropped, no mail.
    const off = await app.fetch(`/email/unsubscribe/${ann.user.id}.${record.unsubscribeSecret}`, {
      method: "POST",
    });
    assert.ok(off.status === 200 || off.status === 303, String(off.status));
    const m6 = await send(app, cat, dm, "Hello?");
    await missed(app, ann.user.id, dm, m6.seq);
    assert.equal(await digest.runDue(), 1);
    assert.equal(await mail.runDue(), 0);
    assert.equal(await countKeys(app.ctx.kv, missedPrefix(ann.user.id)), 0);
    assert.equal(sink.received.length, 2);
  } finally {
    closeMailTransports();
    await app.close();
    await sink.stop();
  }
});
