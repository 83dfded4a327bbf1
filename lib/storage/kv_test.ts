/**
 * The store's door for writes (failingClearly): a blind write that meets another process's
 * lock ("database is locked", which SQLite reports at once when two processes race) is tried
 * again, and any other failure is not. The lock is injected into a real in-memory KV, since
 * two processes hit it only by chance (a fresh-clone CI run lost a server's start to it).
 */
import assert from "node:assert/strict";
import { failingClearly, onCommitRetry } from "./kv.ts";

/** A real KV whose first `locks` calls of `method` throw SQLite's lock error. */
function lockingFirst(kv: Deno.Kv, method: "set" | "delete", locks: number): Deno.Kv {
  let left = locks;
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop !== method) return value.bind(target);
      return (...args: unknown[]) => {
        if (left-- > 0) return Promise.reject(new TypeError("database is locked"));
        return value.apply(target, args);
      };
    },
  });
}

Deno.test("a blind write that meets a lock is tried again, and lands once", async () => {
  const raw = await Deno.openKv(":memory:");
  const retried: string[] = [];
  onCommitRetry((reason) => retried.push(reason));
  try {
    const kv = failingClearly(lockingFirst(raw, "set", 3));
    const result = await kv.set(["lease"], { seenAt: 1 });
    assert.equal(result.ok, true);
    assert.deepEqual((await raw.get(["lease"])).value, { seenAt: 1 });
    assert.deepEqual(retried, ["locked", "locked", "locked"]);

    const gone = failingClearly(lockingFirst(raw, "delete", 2));
    await gone.delete(["lease"]);
    assert.equal((await raw.get(["lease"])).value, null);
  } finally {
    onCommitRetry(() => {});
    raw.close();
  }
});

Deno.test("a write failing for another reason is not tried again", async () => {
  const raw = await Deno.openKv(":memory:");
  let calls = 0;
  const failing = new Proxy(raw, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "set") return typeof value === "function" ? value.bind(target) : value;
      return () => {
        calls++;
        return Promise.reject(new TypeError("Value too large (max 65536 bytes)"));
      };
    },
  });
  try {
    await assert.rejects(failingClearly(failing).set(["k"], 1), /Value too large/);
    assert.equal(calls, 1);
  } finally {
    raw.close();
  }
});
