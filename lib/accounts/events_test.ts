import assert from "node:assert/strict";
import { AccountEventWatcher, publishAccountEvent } from "./events.ts";

/** A watcher polling every few ms whose heard users a test can wait for. */
function watch(kv: Deno.Kv) {
  const heard: string[] = [];
  let wake = () => {};
  const watcher = new AccountEventWatcher(kv, {
    onUser: (id) => {
      heard.push(id);
      wake();
    },
    onMissed: () => heard.push("*missed*"),
  }, { pollMs: 5 });
  // The watcher's timer is unref'd: a timer here keeps the test alive while it waits.
  const until = async (n: number) => {
    for (let i = 0; heard.length < n && i < 400; i++) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 25);
      });
    }
    assert.ok(heard.length >= n, `heard only ${heard}`);
  };
  /** Resolves once the watcher is listening (its first poll, which only sets where it starts, is done). */
  const ready = async () => {
    for (let i = 0; !heard.includes("warm-up") && i < 400; i++) {
      await publishAccountEvent(kv, "warm-up");
      await until(heard.length + 1).catch(() => {});
    }
    heard.length = 0;
  };
  return { heard, until, ready, close: () => watcher.close() };
}

Deno.test("AccountEventWatcher hears each user named while it listens, in order", async (t) => {
  const kv = await Deno.openKv(":memory:");
  await publishAccountEvent(kv, "before");
  const w = watch(kv);
  try {
    await w.ready();
    await t.step("nothing older than itself, then each event once", async () => {
      await publishAccountEvent(kv, "ann");
      await publishAccountEvent(kv, "ben");
      await w.until(2);
      assert.deepEqual(w.heard, ["ann", "ben"], 'not "before", published before it started');
    });
    await t.step("after the key expired and began again between two polls", async () => {
      // Expired after an hour's quiet, then published anew: epoch 1, behind the one it saw.
      await kv.set(["account_events"], {
        epoch: 1,
        recent: [{ epoch: 1, userId: "cy", at: new Date().toISOString() }],
      });
      await w.until(3);
      assert.deepEqual(w.heard, ["ann", "ben", "cy"]);
    });
  } finally {
    w.close();
    kv.close();
  }
});
