/**
 * A push service for tests, run as its own process (`push_receiver_client.ts` starts it): it
 * makes subscriptions (a P-256 key pair and an auth secret per subscription, as a browser
 * does), and for every push it receives checks the VAPID JWT (RFC 8292: ES256, `aud` the
 * endpoint's origin, `exp` within 24 h, `sub` mailto: or https:, `k` the site's key) and
 * decrypts the body (RFC 8291 aes128gcm) with Web Crypto alone: written from the RFCs, apart
 * from the sender (lib/notify/push_crypto.ts), and shown to take what the npm web-push library
 * makes too (tests/http/notify_push_test.ts). Its keys live in a state file, so a receiver
 * started again on the same port and file takes the same subscriptions' pushes.
 *
 * `deno run -A push_receiver.ts <port> <state file>`; prints `{"port": n}` when listening.
 * HTTP: `POST /subscriptions` → `{endpoint, keys}`; `POST /vapid {publicKey}`;
 * `POST /mode {status, retryAfter?}` (answer every push so; status null: 201 again);
 * `POST /push/:id` (the push service); `GET /received` → `{pushes, attempts}`.
 */

type Sub = { id: string; privateJwk: JsonWebKey; publicKey: string; auth: string };
type State = { subs: Sub[]; vapid: string | null };
type Received = {
  sub: string;
  payload: unknown;
  ttl: string | null;
  urgency: string | null;
  claims: Record<string, unknown>;
};

const [portArg, stateFile] = Deno.args;
const enc = new TextEncoder();
let state: State = { subs: [], vapid: null };
try {
  state = JSON.parse(await Deno.readTextFile(stateFile));
} catch { /* a new receiver */ }
const save = () => Deno.writeTextFile(stateFile, JSON.stringify(state));
const pushes: Received[] = [];
const failures: string[] = [];
let attempts = 0;
let mode: { status: number; retryAfter?: string } | null = null;

const b64u = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64u = (text: string) => {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(
    atob(plain + "=".repeat((4 - plain.length % 4) % 4)),
    (c) => c.charCodeAt(0),
  );
};
type Bytes = Uint8Array<ArrayBuffer>;
const concat = (...parts: Uint8Array[]): Bytes => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number) {
  const key = await crypto.subtle.importKey("raw", ikm.slice(), "HKDF", false, ["deriveBits"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: salt.slice(), info: info.slice() };
  return new Uint8Array(await crypto.subtle.deriveBits(params, key, bytes * 8));
}

/** RFC 8291 §3.4 and RFC 8188: one aes128gcm record, decrypted with the subscription's keys. */
async function decrypt(sub: Sub, body: Uint8Array): Promise<string> {
  const salt = body.subarray(0, 16);
  const rs = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid is ${idlen} bytes, not a 65-byte P-256 point`);
  if (ciphertext.length > rs) throw new Error("more than one record");
  const uaPrivate = await crypto.subtle.importKey(
    "jwk",
    sub.privateJwk,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    ["deriveBits"],
  );
  const asKey = await crypto.subtle.importKey(
    "raw",
    asPublic.slice(),
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdhSecret = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: asKey }, uaPrivate, 256),
  );
  const uaPublic = unb64u(sub.publicKey);
  const keyInfo = concat(enc.encode("WebPush: info\0"), uaPublic, asPublic);
  const ikm = await hkdf(unb64u(sub.auth), ecdhSecret, keyInfo, 32);
  const cek = await hkdf(salt, ikm, enc.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, enc.encode("Content-Encoding: nonce\0"), 12);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const plain = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, ciphertext.slice()),
  );
  // The last record: the data, the delimiter 2, then zero padding.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error("no last-record delimiter");
  return new TextDecoder().decode(plain.subarray(0, end));
}

/** RFC 8292: `vapid t=<JWT>, k=<key>`; the claims when the JWT checks out, else throws. */
async function checkVapid(header: string | null, endpoint: URL): Promise<Record<string, unknown>> {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!m) throw new Error(`Authorization is not vapid t=…, k=…: ${header}`);
  const [, jwt, k] = m;
  if (state.vapid === null) throw new Error("no VAPID key expected yet");
  if (k !== state.vapid) throw new Error("k is not the site's VAPID key");
  const [h, p, s] = jwt.split(".");
  const head = JSON.parse(new TextDecoder().decode(unb64u(h)));
  if (head.alg !== "ES256") throw new Error(`alg ${head.alg}`);
  const key = await crypto.subtle.importKey(
    "raw",
    unb64u(k),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    unb64u(s),
    enc.encode(`${h}.${p}`),
  );
  if (!ok) throw new Error("the JWT's signature does not verify");
  const claims = JSON.parse(new TextDecoder().decode(unb64u(p)));
  if (claims.aud !== endpoint.origin) throw new Error(`aud ${claims.aud} ≠ ${endpoint.origin}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600 + 60)) throw new Error("exp");
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) throw new Error(`sub ${claims.sub}`);
  return claims;
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(portArg ?? 0),
  onListen: ({ port }) => console.log(JSON.stringify({ port })),
}, async (req) => {
  const url = new URL(req.url);
  if (req.method === "POST" && url.pathname === "/subscriptions") {
    const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
      "deriveBits",
    ]) as CryptoKeyPair;
    const sub: Sub = {
      id: crypto.randomUUID(),
      privateJwk: await crypto.subtle.exportKey("jwk", pair.privateKey),
      publicKey: b64u(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey))),
      auth: b64u(crypto.getRandomValues(new Uint8Array(16))),
    };
    state.subs.push(sub);
    await save();
    return Response.json({
      endpoint: `${url.origin}/push/${sub.id}`,
      keys: { p256dh: sub.publicKey, auth: sub.auth },
    });
  }
  if (req.method === "POST" && url.pathname === "/vapid") {
    state.vapid = (await req.json()).publicKey;
    await save();
    return new Response(null, { status: 204 });
  }
  if (req.method === "POST" && url.pathname === "/mode") {
    const { status, retryAfter } = await req.json();
    mode = status === null ? null : { status, retryAfter };
    return new Response(null, { status: 204 });
  }
  if (req.method === "GET" && url.pathname === "/received") {
    return Response.json({ pushes, attempts, failures });
  }
  const push = /^\/push\/([\w-]+)$/.exec(url.pathname);
  if (req.method === "POST" && push) {
    attempts++;
    const body = new Uint8Array(await req.arrayBuffer());
    if (mode !== null) {
      const headers = mode.retryAfter ? { "retry-after": mode.retryAfter } : undefined;
      return new Response(null, { status: mode.status, headers });
    }
    const sub = state.subs.find((s) => s.id === push[1]);
    if (!sub) return new Response(null, { status: 404 });
    try {
      if (req.headers.get("content-encoding") !== "aes128gcm") {
        throw new Error(`Content-Encoding ${req.headers.get("content-encoding")}`);
      }
      if (!/^\d+$/.test(req.headers.get("ttl") ?? "")) throw new Error("no TTL");
      const claims = await checkVapid(req.headers.get("authorization"), url);
      const payload = JSON.parse(await decrypt(sub, body));
      pushes.push({
        sub: sub.id,
        payload,
        ttl: req.headers.get("ttl"),
        urgency: req.headers.get("urgency"),
        claims,
      });
      return new Response(null, { status: 201 });
    } catch (err) {
      failures.push(String(err));
      // A push service refuses what it cannot take: 400 (the notifier drops it and warns).
      return new Response(String(err), { status: 400 });
    }
  }
  return new Response("not found", { status: 404 });
});

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  Deno.exit(0);
});
