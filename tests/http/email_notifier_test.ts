/**
 * Email end to end, through the running notifier (lib/notify/dispatch.ts) and its mail
 * workers, to a real SMTP server process: addresses confirmed over HTTP by the mailed link,
 * then messages sent over HTTP. The mention and the direct message Ann has not read arrive in
 * ONE email; Dan (do-not-disturb), Eve (`nothing`) and Ann's muted conversation get none; a
 * later message comes in a second email without the first ones; after Ann's unsubscribe link,
 * nothing more is kept for her.
 */
import assert from "node:assert/strict";
import {
  createConversationVia,
  json,
  okJson,
  registerUser,
  startTestApp,
  type TestApp,
  withCookie,
} from "../support/helpers.ts";
import { emailEnv, linkIn } from "../support/email.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp.ts";
import { eventually } from "../support/util.ts";
import { setDnd, setNotifyPref } from "../../lib/notify/mod.ts";
import { closeMailTransports } from "../../lib/outbound/mod.ts";
import { missedPrefix, notifyCursorKey } from "../../lib/storage/mod.ts";

type Who = Awaited<ReturnType<typeof registerUser>>;

async function confirm(app: TestApp, sink: SmtpSink, who: Who, address: string) {
  const res = await app.fetch(
    "/api/me/email",
    json("PUT", { email: address, currentPassword: who.password }, who.cookie),
  );
  assert.equal(res.status, 202);
  const [mail] = await sink.waitFor(1, { to: address });
  assert.equal((await app.fetch(linkIn(mail, "/email/confirm/").pathname)).status, 200);
}

async function send(app: TestApp, who: Who, id: string, content: string) {
  const res = await app.fetch(
    `/api/conversations/${id}/messages`,
    json("POST", { content }, who.cookie),
  );
  return (await okJson(res, 201)).message as { seq: number };
}

/** Until the notifier has looked at `seq` of the conversation (its cursor passed it). */
async function looked(app: TestApp, conversationId: string, seq: number) {
  await eventually(async () => {
    const cursor = await app.ctx.kv.get<{ seq: number }>(notifyCursorKey(conversationId));
    return (cursor.value?.seq ?? 0) >= seq;
  }, `the notifier looked at ${conversationId}#${seq}`);
}

Deno.test({
  name:
    "through the notifier: one email with the missed mention and direct message; none for DND, nothing or muted; unsubscribe stops them",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sink = await startSmtpSink();
    // A six-second window (generous: the four sends take milliseconds): one email for them.
    const app = await startTestApp(emailEnv(sink, { NOTIFIER: "1", EMAIL_DELAY_MINUTES: "0.1" }));
    try {
      const kv = app.ctx.kv;
      const [ann, ben, cat, dan, eve] = await Promise.all(
        ["Ann", "Ben", "Cat", "Dan", "Eve"].map((displayName) =>
          registerUser(app, { displayName })
        ),
      );
      for (const who of [ann, dan, eve]) {
        await confirm(app, sink, who, `${who.user.displayName.toLowerCase()}@example.com`);
      }
      const confirmations = sink.received.length;
      const plans = await createConversationVia(app, ben.cookie, [
        ann.user,
        cat.user,
        dan.user,
        eve.user,
      ], "Plans");
      const dm = await createConversationVia(app, cat.cookie, [ann.user]);
      const quiet = await createConversationVia(app, cat.cookie, [ann.user, ben.user], "Quiet");
      await setNotifyPref(kv, ann.user.id, quiet, { level: "all", muted: true });
      await setNotifyPref(kv, eve.user.id, plans, { level: "nothing", muted: false });
      await setDnd(kv, dan.user.id, Date.now() + 60 * 60_000);

      const names = [ann, dan, eve].map((w) => `@${w.user.username}`).join(" ");
      await send(app, cat, quiet, `@${ann.user.username} in the muted room`);
      const mention = await send(app, ben, plans, `${names} the plan is ready`);
      await send(app, ben, plans, "no mention here: not emailed to anyone");
      const direct = await send(app, cat, dm, "lunch at one?");

      // Ann's first mail was her address's confirmation; the second, the digest.
      const [, digest] = await sink.waitFor(2, { to: "ann@example.com" });
      assert.equal(digest.subject, "2 unread messages for you on Hearth");
      assert.match(digest.text, /the plan is ready/);
      assert.match(digest.text, /lunch at one\?/);
      assert.doesNotMatch(digest.text, /muted room|no mention here/);
      await looked(app, plans, mention.seq + 1);
      await looked(app, dm, direct.seq);
      for (const who of [dan, eve]) {
        assert.equal(
          (await Array.fromAsync(kv.list({ prefix: missedPrefix(who.user.id) }))).length,
          0,
        );
      }

      // A later message: a second email, holding only it.
      const later = await send(app, cat, dm, "still there?");
      const [, , second] = await sink.waitFor(3, { to: "ann@example.com" });
      assert.equal(second.subject, "1 unread message for you on Hearth");
      assert.match(second.text, /still there\?/);
      assert.doesNotMatch(second.text, /lunch/);
      await looked(app, dm, later.seq);

      // The digest's unsubscribe link: nothing more is kept or sent for Ann.
      const off = await app.fetch(linkIn(second, "/email/unsubscribe/").pathname, {
        method: "POST",
      });
      assert.equal(off.status, 200);
      assert.equal(
        (await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie)))).notifications,
        false,
      );
      const after = await send(app, cat, dm, "hello?");
      await looked(app, dm, after.seq);
      assert.equal(
        (await Array.fromAsync(kv.list({ prefix: missedPrefix(ann.user.id) }))).length,
        0,
      );
      // Only the three confirmations and Ann's two digests were ever sent.
      assert.equal(sink.received.length, confirmations + 2);
      assert.deepEqual(
        sink.received.slice(confirmations).map((m) => m.to[0]),
        ["ann@example.com", "ann@example.com"],
      );
    } finally {
      closeMailTransports();
      await app.close();
      await sink.stop();
    }
  },
});
