import assert from "node:assert/strict";
import {
  confirmEmail,
  createBot,
  createToken,
  createUser,
  getEmailState,
  getUserByToken,
  listAccounts,
  listTokens,
  requestEmail,
} from "../accounts/mod.ts";
import { outboxQueuePrefix } from "../storage/mod.ts";
import {
  getDnd,
  getNotifyPrefs,
  listSubscriptions,
  saveSubscription,
  setDnd,
  setNotifyPref,
} from "../notify/mod.ts";
import { deleteAccount } from "./accounts.ts";

Deno.test("deleting an account takes its address, push devices, settings and do-not-disturb with it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ask = { origin: "http://chat.test", siteName: "Hearth", address: "ann@example.com" };
    await requestEmail(kv, ann.id, ask);
    const [mail] = await Array.fromAsync(
      kv.list<{ payload: { text: string } }>({ prefix: outboxQueuePrefix("mail") }),
    );
    const token = /\/email\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail.value.payload.text)![1];
    await confirmEmail(kv, token);
    assert.equal((await getEmailState(kv, ann.id)).confirmed, true);
    await saveSubscription(kv, ann.id, {
      endpoint: "https://push.example/ann",
      p256dh: "B".padEnd(87, "A"),
      auth: "A".repeat(22),
      createdAt: new Date().toISOString(),
    });
    const conversation = { id: "01CONVCONVCONVCONVCONVCONV", kind: "group" as const };
    await setNotifyPref(kv, ann.id, conversation.id, { level: "nothing", muted: true });
    await setDnd(kv, ann.id, Date.now() + 3_600_000);

    await deleteAccount(kv, ann.id);

    assert.deepEqual(await getEmailState(kv, ann.id), {
      address: null,
      confirmed: false,
      notifications: true,
    });
    assert.deepEqual(await listSubscriptions(kv, ann.id), []);
    assert.deepEqual(await getNotifyPrefs(kv, [ann.id], conversation), [
      { level: "mentions", muted: false },
    ]);
    assert.deepEqual(await getDnd(kv, [ann.id]), [null]);
    // The address is free again: another account may confirm it.
    const bob = await createUser(kv, { username: "bob", password: "correct horse battery" });
    assert.equal(await requestEmail(kv, bob.id, ask), true);
  } finally {
    kv.close();
  }
});

Deno.test("deleting an account ends its tokens and its bots", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const { secret } = await createToken(kv, ann.id, { name: "ci" });
    const { bot, secret: botSecret } = await createBot(kv, ann.id, {
      username: "annbot",
      displayName: "Ann's bot",
    });
    assert.equal((await getUserByToken(kv, secret))?.user.id, ann.id);
    assert.equal((await getUserByToken(kv, botSecret))?.user.id, bot.id);

    await deleteAccount(kv, ann.id);

    assert.equal(await getUserByToken(kv, secret), null);
    assert.equal(await getUserByToken(kv, botSecret), null);
    // Nothing of the tokens is left behind (the account's record going would refuse them anyway).
    assert.deepEqual(await listTokens(kv, ann.id), []);
    assert.deepEqual(await listTokens(kv, bot.id), []);
    const [record] = (await listAccounts(kv)).filter((a) => a.id === bot.id);
    assert.ok(record.disabledAt, "the bot's account is disabled");
  } finally {
    kv.close();
  }
});
