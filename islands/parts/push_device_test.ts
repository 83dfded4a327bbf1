import assert from "node:assert/strict";
import { fromBase64Url, pushSupported } from "./push_device.ts";

Deno.test("fromBase64Url reads the VAPID key as the server gives it (no padding, - and _)", () => {
  const bytes = Uint8Array.from({ length: 65 }, (_, i) => (i * 37 + 251) % 256);
  const b64u = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
  assert.ok(!b64u.includes("=") && (b64u.includes("-") || b64u.includes("_")));
  assert.deepEqual(fromBase64Url(b64u), bytes);
  assert.deepEqual(fromBase64Url(""), new Uint8Array(0));
});

Deno.test("pushSupported is false where there is no service worker or PushManager (Deno)", () => {
  assert.equal(pushSupported(), false);
});
