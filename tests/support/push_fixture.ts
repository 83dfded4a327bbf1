/**
 * The notifier and Web Push against a real push service process (push_receiver.ts): an app
 * that may push to a private address, the receiver, and a notifier driven by hand (runOnce,
 * then the push worker's runDue), so what was not pushed is known the moment a round is over.
 */
import { json, okJson, registerUser, type TestApp, withApp, withCookie } from "./helpers.ts";
import { type PushReceiver, startPushReceiver } from "./push_receiver_client.ts";
import { type Notifier, startNotifier } from "../../lib/notify/mod.ts";

export type Person = Awaited<ReturnType<typeof registerUser>>;

/** An app (private push services allowed), a receiver, and a notifier run by hand. */
export async function withPush(
  fn: (t: { app: TestApp; receiver: PushReceiver; notifier: Notifier }) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const receiver = await startPushReceiver();
  try {
    await withApp(async (app) => {
      const notifier = startNotifier(app.ctx, { start: false, graceMs: 0 });
      try {
        await fn({ app, receiver, notifier });
      } finally {
        await notifier.stop();
      }
    }, { PUSH_ALLOW_PRIVATE: "1", ...env });
  } finally {
    await receiver.stop();
  }
}

/** Subscribes `who` through the API with a fresh subscription of the receiver. */
export async function subscribe(app: TestApp, receiver: PushReceiver, who: Person) {
  const { publicKey } = await okJson(await app.fetch("/api/push/key", withCookie(who.cookie)));
  await receiver.expectKey(publicKey);
  const sub = await receiver.subscribe();
  await okJson(await app.fetch("/api/push/subscriptions", json("POST", sub, who.cookie)), 201);
  return sub;
}

/** `who` sends `content` to conversation `id` through the API (a reply with `parentSeq`). */
export async function send(
  app: TestApp,
  who: Person,
  id: string,
  content: string,
  parentSeq?: number,
): Promise<{ seq: number }> {
  const res = await app.fetch(
    `/api/conversations/${id}/messages`,
    json("POST", { content, ...(parentSeq ? { parentSeq } : {}) }, who.cookie),
  );
  return (await okJson(res, 201)).message as { seq: number };
}

/** One notifier round and every push it queued sent. */
export async function round(notifier: Notifier): Promise<void> {
  await notifier.runOnce();
  while (await notifier.push.runDue() > 0) { /* until the queue is empty */ }
}
