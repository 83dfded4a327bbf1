import assert from "node:assert/strict";
import {
  getDndUntil,
  readSidebarNotifications,
  setDnd,
  setNotifyPref,
  withNotifications,
} from "./prefs.ts";

Deno.test("readSidebarNotifications reads what withNotifications and getDndUntil read, at once", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const rows = [
      { id: "d", kind: "direct" as const },
      { id: "g", kind: "group" as const },
      { id: "c", kind: "channel" as const },
    ];
    await setNotifyPref(kv, "ann", "g", { level: "all", muted: true });
    await setNotifyPref(kv, "ben", "c", { level: "nothing", muted: false }); // not Ann's
    const now = Date.now();
    const empty = await readSidebarNotifications(kv, "ann", rows, now);
    assert.deepEqual(empty.conversations, await withNotifications(kv, "ann", rows));
    assert.equal(empty.dndUntil, null);
    assert.deepEqual(empty.conversations.map((c) => c.notifications), [
      { level: "all", muted: false },
      { level: "all", muted: true },
      { level: "mentions", muted: false },
    ]);

    await setDnd(kv, "ann", now + 60_000);
    const on = await readSidebarNotifications(kv, "ann", rows, now);
    assert.equal(on.dndUntil, now + 60_000);
    assert.equal(on.dndUntil, await getDndUntil(kv, "ann", now));
    // Over is off, as getDndUntil says.
    assert.equal((await readSidebarNotifications(kv, "ann", [], now + 60_000)).dndUntil, null);
    assert.equal((await readSidebarNotifications(kv, "ben", rows, now)).dndUntil, null);
  } finally {
    kv.close();
  }
});
