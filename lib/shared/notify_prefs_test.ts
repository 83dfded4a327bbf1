import assert from "node:assert/strict";
import { defaultPref, wantsNotice } from "./notify_prefs.ts";

Deno.test("defaultPref: direct conversations `all`, every other kind `mentions`", () => {
  assert.deepEqual(defaultPref("direct"), { level: "all", muted: false });
  for (const kind of ["group", "channel", "project"]) {
    assert.deepEqual(defaultPref(kind), { level: "mentions", muted: false });
  }
});

Deno.test("wantsNotice: level, mention, mute and do-not-disturb", () => {
  const now = 1_000_000;
  const all = { level: "all", muted: false } as const;
  const mentions = { level: "mentions", muted: false } as const;
  const nothing = { level: "nothing", muted: false } as const;
  assert.equal(wantsNotice(all, false, null, now), true);
  assert.equal(wantsNotice(mentions, false, null, now), false);
  assert.equal(wantsNotice(mentions, true, null, now), true);
  assert.equal(wantsNotice(nothing, true, null, now), false);
  // Muted: nothing, whatever the level.
  assert.equal(wantsNotice({ level: "all", muted: true }, true, null, now), false);
  // Do-not-disturb until later: nothing; over: as before.
  assert.equal(wantsNotice(all, true, now + 1, now), false);
  assert.equal(wantsNotice(all, true, now, now), true);
  assert.equal(wantsNotice(all, true, now - 1, now), true);
});
