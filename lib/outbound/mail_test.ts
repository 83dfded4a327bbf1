import assert from "node:assert/strict";
import { startSmtpSink } from "../../tests/support/smtp.ts";
import { freePort } from "../../tests/support/process.ts";
import { outboxQueuePrefix } from "../storage/mod.ts";
import { closeMailTransports, type Mail, mailHandler, OutboxWorker, queueMail } from "./mod.ts";

const email = (smtpUrl: string) => ({
  email: { smtpUrl, from: "Hearth <hearth@example.com>", delayMs: 0 },
});

async function queuedCount(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: outboxQueuePrefix("mail") })) n++;
  return n;
}

Deno.test("a queued mail reaches a real SMTP server once, with a Message-ID from its job", async () => {
  const sink = await startSmtpSink();
  const kv = await Deno.openKv(":memory:");
  try {
    const worker = new OutboxWorker<Mail>(kv, "mail", mailHandler(email(sink.url)));
    const op = kv.atomic();
    const id = queueMail(op, {
      to: "ann@example.com",
      subject: "Grüße",
      text: "Hello Ann",
      html: "<p>Hello Ann</p>",
      headers: { "List-Unsubscribe": "<https://chat.example.com/u>" },
    });
    await op.commit();
    assert.equal(await worker.runDue(), 1);
    const [mail] = await sink.waitFor(1);
    assert.deepEqual(mail.to, ["ann@example.com"]);
    assert.equal(mail.from, "hearth@example.com");
    assert.equal(mail.subject, "Grüße");
    assert.equal(mail.text.trim(), "Hello Ann");
    assert.equal(mail.html, "<p>Hello Ann</p>");
    assert.equal(mail.messageId, `<${id}@example.com>`);
    assert.match(mail.headers["raw:list-unsubscribe"], /chat\.example\.com\/u/);
    assert.equal(await worker.runDue(), 0);
    assert.equal(await queuedCount(kv), 0);
    assert.equal(sink.received.length, 1);
  } finally {
    closeMailTransports();
    kv.close();
    await sink.stop();
  }
});

Deno.test("with the SMTP server down the mail is retried, and arrives once it is back", async () => {
  const port = freePort();
  const kv = await Deno.openKv(":memory:");
  let sink = null;
  try {
    const worker = new OutboxWorker<Mail>(
      kv,
      "mail",
      mailHandler(email(`smtp://127.0.0.1:${port}`)),
      { backoffMs: 1000 },
    );
    const op = kv.atomic();
    queueMail(op, { to: "ben@example.com", subject: "Later", text: "Still here" });
    await op.commit();
    const t0 = Date.now();
    assert.equal(await worker.runDue(t0), 1, "taken, and refused: nobody listens");
    assert.equal(await queuedCount(kv), 1, "kept for a retry");
    assert.equal(await worker.runDue(t0 + 5_000), 1, "tried again later, still down");
    assert.equal(await queuedCount(kv), 1);
    sink = await startSmtpSink(port);
    assert.equal(await worker.runDue(t0 + 60_000), 1);
    const [mail] = await sink.waitFor(1);
    assert.equal(mail.subject, "Later");
    assert.equal(await queuedCount(kv), 0);
    assert.equal(await worker.runDue(t0 + 10 * 60_000), 0);
    assert.equal(sink.received.length, 1);
  } finally {
    closeMailTransports();
    kv.close();
    await sink?.stop();
  }
});

Deno.test("without email configured a mail job waits (is retried), nothing is sent", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const outcome = await mailHandler({ email: null })({
      id: "x",
      queue: "mail",
      attempt: 0,
      queuedAt: Date.now(),
      payload: { to: "a@example.com", subject: "s", text: "t" },
    });
    assert.notEqual(outcome, "done");
  } finally {
    kv.close();
  }
});
