import assert from "node:assert/strict";
import { outboxQueuePrefix } from "../storage/mod.ts";
import type { Job, Mail } from "../outbound/mod.ts";
import {
  confirmEmail,
  getConfirmedEmails,
  getEmailRecord,
  getEmailState,
  removeEmail,
  requestEmail,
  setEmailNotifications,
  unsubscribeByToken,
  unsubscribeToken,
} from "./email.ts";

const ANN = "01ANNANNANNANNANNANNANNANN";
const BEN = "01BENBENBENBENBENBENBENBEN";
const ask = { origin: "http://chat.test", siteName: "Hearth" };

async function mails(kv: Deno.Kv): Promise<Mail[]> {
  const out: Mail[] = [];
  for await (const e of kv.list<Job<Mail>>({ prefix: outboxQueuePrefix("mail") })) {
    out.push(e.value.payload);
  }
  return out;
}

const tokenIn = (mail: Mail) => /\/email\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1];

Deno.test("an address is confirmed by its link, once; another account cannot take it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    assert.equal(await requestEmail(kv, ANN, { ...ask, address: "Ann@Example.com" }), true);
    const [mail] = await mails(kv);
    assert.equal(mail.to, "Ann@Example.com");
    assert.match(mail.text, /^http:\/\/chat\.test\/email\/confirm\//m);
    assert.deepEqual(await getEmailState(kv, ANN), {
      address: "Ann@Example.com",
      confirmed: false,
      notifications: true,
    });
    assert.deepEqual(await getConfirmedEmails(kv, [ANN, BEN]), [null, null]);
    // Ben may ask for it too while it is unconfirmed; the first link opened wins.
    await requestEmail(kv, BEN, { ...ask, address: "ann@example.com", publicUrl: "https://x.y" });
    const benMail = (await mails(kv)).find((m) => m.to === "ann@example.com")!;
    assert.match(benMail.text, /^https:\/\/x\.y\/email\/confirm\//m, "PUBLIC_URL first");
    assert.deepEqual(await confirmEmail(kv, tokenIn(mail)), {
      userId: ANN,
      address: "Ann@Example.com",
    });
    await assert.rejects(confirmEmail(kv, tokenIn(mail)), { status: 404 }, "one use");
    await assert.rejects(confirmEmail(kv, tokenIn(benMail)), { code: "email_taken" });
    await assert.rejects(
      requestEmail(kv, BEN, { ...ask, address: "ANN@example.com" }),
      { status: 409, code: "email_taken" },
    );
    assert.deepEqual(await getConfirmedEmails(kv, [ANN, BEN]), ["Ann@Example.com", null]);
    assert.equal(
      await requestEmail(kv, ANN, { ...ask, address: "ann@example.com" }),
      false,
      "the same address again: nothing to do",
    );
    await assert.rejects(confirmEmail(kv, "not-a-token"), { status: 404 });
  } finally {
    kv.close();
  }
});

Deno.test("unsubscribing stops missed-message mail; a new address or removal frees the old", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await requestEmail(kv, ANN, { ...ask, address: "ann@example.com" });
    await confirmEmail(kv, tokenIn((await mails(kv))[0]));
    const record = (await getEmailRecord(kv, ANN))!;
    const token = unsubscribeToken(ANN, record);
    assert.equal(await unsubscribeByToken(kv, token.slice(0, -1) + "A"), false);
    assert.equal(await unsubscribeByToken(kv, `${BEN}.${record.unsubscribeSecret}`), false);
    assert.equal(await unsubscribeByToken(kv, token, { apply: false }), true);
    assert.deepEqual(await getConfirmedEmails(kv, [ANN]), ["ann@example.com"]);
    assert.equal(await unsubscribeByToken(kv, token), true);
    assert.deepEqual(await getConfirmedEmails(kv, [ANN]), [null]);
    assert.equal((await getEmailState(kv, ANN)).notifications, false);
    await setEmailNotifications(kv, ANN, true);
    assert.deepEqual(await getConfirmedEmails(kv, [ANN]), ["ann@example.com"]);
    // A new address: the old one is free for others, the old unsubscribe link dead.
    await requestEmail(kv, ANN, { ...ask, address: "ann@work.example" });
    assert.equal(await unsubscribeByToken(kv, token), false);
    await requestEmail(kv, BEN, { ...ask, address: "ann@example.com" });
    await removeEmail(kv, ANN);
    assert.deepEqual(await getEmailState(kv, ANN), {
      address: null,
      confirmed: false,
      notifications: true,
    });
    await assert.rejects(setEmailNotifications(kv, ANN, false), { status: 404 });
  } finally {
    kv.close();
  }
});
