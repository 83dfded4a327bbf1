/**
 * `deno run -A bench/push_crypto.ts`: what building one Web Push request costs (RFC 8291
 * encryption of a 300-byte notification and the RFC 8292 JWT), in Web Crypto
 * (lib/notify/push_crypto.ts, what the server uses) and with the npm web-push library, and
 * the longest the event loop is held while 200 are built at once (what a busy server's
 * sockets would wait). Both run in this one process, one after the other, twice.
 */
import webpush from "web-push";
import { encryptPayload, vapidAuthorization } from "../lib/notify/push_crypto.ts";
import { makeVapidKeys, toBase64Url } from "../lib/notify/push.ts";

const N = 200;
const vapid = await makeVapidKeys();
const ua = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
  "deriveBits",
]) as CryptoKeyPair;
const keys = {
  p256dh: toBase64Url(new Uint8Array(await crypto.subtle.exportKey("raw", ua.publicKey))),
  auth: toBase64Url(crypto.getRandomValues(new Uint8Array(16))),
};
const payload = JSON.stringify({
  title: "Ann Archer in Design",
  body: "x".repeat(200),
  url: "/conversations/01JDEXAMPLE0000000000000000",
  tag: "conv-01JDEXAMPLE0000000000000000",
});
const bytes = new TextEncoder().encode(payload);

/** Runs `build` N times, 8 at a time, timing it and the event loop's longest stall. */
async function measure(build: (i: number) => Promise<unknown> | unknown) {
  let worst = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < N) await build(next++);
  }));
  const each = (performance.now() - start) / N;
  // Work that never yielded to timers held the loop from the last tick to now.
  worst = Math.max(worst, performance.now() - last - 1);
  clearInterval(ticker);
  return { msPerPush: Number(each.toFixed(3)), worstStallMs: Number(worst.toFixed(1)) };
}

for (const round of [1, 2]) {
  const webCrypto = await measure(async (i) => {
    // A new origin every time: the JWT is signed for each (the server reuses one per origin).
    await vapidAuthorization(`https://push${round}-${i}.example/`, vapid, "mailto:a@b.c");
    await encryptPayload(keys, bytes);
  });
  const library = await measure(() =>
    webpush.generateRequestDetails({ endpoint: "https://push.example/x", keys }, payload, {
      vapidDetails: { subject: "mailto:a@b.c", ...vapid },
      TTL: 60,
      contentEncoding: "aes128gcm",
    })
  );
  console.log(JSON.stringify({ round, webCrypto, webPush: library }));
}
