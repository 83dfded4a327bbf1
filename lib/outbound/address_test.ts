import assert from "node:assert/strict";
import { addressRefusal, AddressRefusedError, checkUrl, guardedFetch } from "./address.ts";

Deno.test("addresses: public ones pass, the rest are refused, link-local always", () => {
  const pub = ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "[2606:4700::1111]", "push.example"];
  for (const a of pub) assert.equal(addressRefusal(a, false), null, a);
  const refusedUnlessPrivate = [
    "127.0.0.1",
    "127.9.9.9",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "::1",
    "[::1]",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "64:ff9b::10.0.0.1",
    "2002:0a00:0001::1",
    "localhost",
    "api.localhost",
  ];
  for (const a of refusedUnlessPrivate) {
    assert.notEqual(addressRefusal(a, false), null, a);
    assert.equal(addressRefusal(a, true), null, `${a} with allowPrivate`);
  }
  const alwaysRefused = [
    "169.254.169.254",
    "169.254.0.1",
    "fe80::1",
    "fe80::1%eth0",
    "febf::1",
    "::ffff:169.254.169.254",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "255.255.255.255",
    "ff02::1",
    "192.0.2.1",
  ];
  for (const a of alwaysRefused) {
    assert.notEqual(addressRefusal(a, false), null, a);
    assert.notEqual(addressRefusal(a, true), null, `${a} with allowPrivate`);
  }
  assert.equal(addressRefusal("172.32.0.1", false), null);
  assert.equal(addressRefusal("100.128.0.1", false), null);
  assert.match(addressRefusal("169.254.169.254", true)!, /link-local/);
});

Deno.test("urls: https only (http with allowPrivate), no credentials, every resolved address", async () => {
  const resolve = (answers: Record<string, string[]>) => (host: string) =>
    Promise.resolve(answers[host] ?? []);
  const refused = async (url: string, allowPrivate: boolean, answers = {}) =>
    await assert.rejects(
      () => checkUrl(url, { allowPrivate, resolve: resolve(answers) }),
      AddressRefusedError,
      url,
    );
  await refused("http://push.example/x", false, { "push.example": ["8.8.8.8"] });
  await refused("ftp://push.example/x", true, { "push.example": ["8.8.8.8"] });
  await refused("https://a:b@push.example/x", false, { "push.example": ["8.8.8.8"] });
  await refused("https://nowhere.example/x", false);
  // One bad address among good ones is enough.
  await refused("https://mixed.example/", false, { "mixed.example": ["8.8.8.8", "10.0.0.1"] });
  await refused("https://meta.example/", true, { "meta.example": ["169.254.169.254"] });
  await refused("https://[fe80::1]/", true);
  await refused("not a url", true);
  const ok = await checkUrl("https://push.example/x", {
    allowPrivate: false,
    resolve: resolve({ "push.example": ["8.8.8.8", "2001:4860:4860::8888"] }),
  });
  assert.equal(ok.host, "push.example");
  await checkUrl("http://127.0.0.1:1/", { allowPrivate: true });
  // A resolver that fails is a network failure (retried), not a refusal.
  const failing = () => Promise.reject(new Error("resolver down"));
  const err = await checkUrl("https://push.example/", { allowPrivate: false, resolve: failing })
    .catch((e) => e);
  assert.ok(err instanceof Error && !(err instanceof AddressRefusedError));
});

Deno.test("guardedFetch: no redirects followed, answers capped, a timeout", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/redirect") {
      return new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } });
    }
    if (path === "/big") return new Response("x".repeat(100_000));
    if (path === "/slow") {
      return new Promise((r) => setTimeout(() => r(new Response("late")), 600));
    }
    return new Response("hello", { status: 201 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const plain = await guardedFetch(`${base}/`, { method: "POST" }, { allowPrivate: true });
    assert.equal(plain.status, 201);
    assert.equal(new TextDecoder().decode(plain.body), "hello");
    // Without allowPrivate the loopback server is not reached at all.
    await assert.rejects(
      () => guardedFetch(`${base}/`, {}, { allowPrivate: false }),
      AddressRefusedError,
    );
    // A redirect is the answer, not followed…
    const redirect = await guardedFetch(`${base}/redirect`, {}, { allowPrivate: true });
    assert.equal(redirect.status, 302);
    // …and when following is asked, the next hop is checked (link-local: refused).
    await assert.rejects(
      () => guardedFetch(`${base}/redirect`, {}, { allowPrivate: true, maxRedirects: 3 }),
      AddressRefusedError,
    );
    const big = await guardedFetch(`${base}/big`, {}, { allowPrivate: true, maxBytes: 1000 });
    assert.equal(big.body.length, 1000);
    assert.equal(big.truncated, true);
    await assert.rejects(() =>
      guardedFetch(`${base}/slow`, {}, { allowPrivate: true, timeoutMs: 100 })
    );
  } finally {
    await server.shutdown();
  }
});
