/** Web Push routes: GET /api/push/key, POST/GET/DELETE /api/push/subscriptions. */
import assert from "node:assert/strict";
import {
  assertError,
  json,
  okJson,
  registerUser,
  sessionCookieOf,
  startTestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { pushEndpointKey } from "../../lib/storage/mod.ts";
import {
  endpointHash,
  fromBase64Url,
  loadOrMakeVapidKeys,
  MAX_PUSH_SUBSCRIPTIONS,
  toBase64Url,
  vapidKeys,
} from "../../lib/notify/mod.ts";

/** Keys as a browser makes them: a P-256 point and a 16-byte secret, base64url. */
export async function browserKeys() {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    p256dh: toBase64Url(raw),
    auth: toBase64Url(crypto.getRandomValues(new Uint8Array(16))),
  };
}

const subscribe = (body: unknown, cookie: string) => json("POST", body, cookie);

Deno.test("the VAPID key is a P-256 point, made once per store and kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = { KV_PATH: `${dir}/chat.kv` };
    const first = await startTestApp(env);
    const ann = await registerUser(first);
    const key = (await okJson(await first.fetch("/api/push/key", withCookie(ann.cookie))))
      .publicKey;
    const raw = fromBase64Url(key)!;
    assert.equal(raw.length, 65);
    assert.equal(raw[0], 4);
    await crypto.subtle.importKey(
      "raw",
      raw.slice(),
      { name: "ECDSA", namedCurve: "P-256" },
      true,
      [
        "verify",
      ],
    );
    await first.close();
    // A second process on the same store: the same key.
    const second = await startTestApp(env);
    const again = (await okJson(await second.fetch("/api/push/key", withCookie(ann.cookie))))
      .publicKey;
    assert.equal(again, key);
    await second.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two processes making the key at once agree on one (the checked commit)", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // Uncached, as two processes' first calls would be.
    const made = await Promise.all([1, 2, 3].map(() => loadOrMakeVapidKeys(kv)));
    assert.equal(new Set(made.map((k) => k.publicKey)).size, 1);
    assert.equal((await vapidKeys(kv)).privateKey, made[0].privateKey);
  } finally {
    kv.close();
  }
});

Deno.test("push routes need a session", async () => {
  await withApp(async (app) => {
    await assertError(await app.fetch("/api/push/key"), 401, "unauthorized");
    await assertError(await app.fetch("/api/push/subscriptions"), 401, "unauthorized");
    const keys = await browserKeys();
    await assertError(
      await app.fetch(
        "/api/push/subscriptions",
        json("POST", { endpoint: "https://push.example/a", keys }),
      ),
      401,
      "unauthorized",
    );
    await assertError(
      await app.fetch(
        "/api/push/subscriptions",
        json("DELETE", { endpoint: "https://push.example/a" }),
      ),
      401,
      "unauthorized",
    );
  });
});

Deno.test("a subscription is kept, listed for its owner alone, replaced, and deleted", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const keys = await browserKeys();
    const endpoint = "https://push.example/send/abc";
    const made = await okJson(
      await app.fetch(
        "/api/push/subscriptions",
        subscribe({ endpoint, keys, expirationTime: null }, ann.cookie),
      ),
      201,
    );
    assert.equal(made.subscription.endpoint, endpoint);
    const list = async (cookie: string) =>
      (await okJson(await app.fetch("/api/push/subscriptions", withCookie(cookie)))).subscriptions;
    assert.deepEqual((await list(ann.cookie)).map((s: { endpoint: string }) => s.endpoint), [
      endpoint,
    ]);
    assert.deepEqual(await list(ben.cookie), []);
    // The same endpoint again (new keys): still one.
    const again = await app.fetch(
      "/api/push/subscriptions",
      subscribe({ endpoint, keys: await browserKeys() }, ann.cookie),
    );
    assert.equal(again.status, 201);
    assert.equal((await list(ann.cookie)).length, 1);
    // Ben deleting Ann's endpoint deletes nothing of hers.
    const benDelete = await app.fetch(
      "/api/push/subscriptions",
      json("DELETE", { endpoint }, ben.cookie),
    );
    assert.equal(benDelete.status, 204);
    assert.equal((await list(ann.cookie)).length, 1);
    const del = await app.fetch(
      "/api/push/subscriptions",
      json("DELETE", { endpoint }, ann.cookie),
    );
    assert.equal(del.status, 204);
    assert.deepEqual(await list(ann.cookie), []);
    // Deleting what is not there: 204 too.
    const none = await app.fetch(
      "/api/push/subscriptions",
      json("DELETE", { endpoint }, ann.cookie),
    );
    assert.equal(none.status, 204);
    await assertError(
      await app.fetch("/api/push/subscriptions", json("DELETE", {}, ann.cookie)),
      400,
      "invalid_input",
    );
  });
});

Deno.test("beyond the limit the oldest subscription goes", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const keys = await browserKeys();
    for (let i = 0; i <= MAX_PUSH_SUBSCRIPTIONS; i++) {
      const res = await app.fetch(
        "/api/push/subscriptions",
        subscribe({ endpoint: `https://push.example/${i}`, keys }, ann.cookie),
      );
      assert.equal(res.status, 201);
      await new Promise((r) => setTimeout(r, 2)); // distinct createdAt
    }
    const subs = (await okJson(await app.fetch("/api/push/subscriptions", withCookie(ann.cookie))))
      .subscriptions as { endpoint: string }[];
    assert.equal(subs.length, MAX_PUSH_SUBSCRIPTIONS);
    assert.ok(!subs.some((s) => s.endpoint === "https://push.example/0"));
  });
});

Deno.test("bad subscriptions are 400s, never 500s", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const keys = await browserKeys();
    const bad = async (body: unknown, code = "invalid_input") =>
      await assertError(
        await app.fetch("/api/push/subscriptions", subscribe(body, ann.cookie)),
        400,
        code,
      );
    await bad({});
    await bad({ endpoint: "https://push.example/a" });
    await bad({ endpoint: "not a url", keys });
    await bad({ endpoint: "ftp://push.example/a", keys });
    await bad({ endpoint: "http://push.example/a", keys }); // plain http: refused
    await bad({ endpoint: `https://push.example/${"a".repeat(2100)}`, keys });
    await bad({ endpoint: "https://user:pw@push.example/a", keys });
    await bad({ endpoint: "https://127.0.0.1/a", keys });
    await bad({ endpoint: "https://[::1]/a", keys });
    await bad({ endpoint: "https://10.1.2.3/a", keys });
    await bad({ endpoint: "https://169.254.169.254/latest", keys });
    await bad({ endpoint: "https://localhost/a", keys });
    // Keys: not a point, wrong lengths, not base64url.
    const point = fromBase64Url(keys.p256dh)!;
    const offCurve = point.slice();
    offCurve[64] ^= 1;
    await bad({
      endpoint: "https://push.example/a",
      keys: { ...keys, p256dh: toBase64Url(offCurve) },
    });
    await bad({
      endpoint: "https://push.example/a",
      keys: { ...keys, p256dh: toBase64Url(point.slice(0, 33)) },
    });
    await bad({ endpoint: "https://push.example/a", keys: { ...keys, p256dh: "!!!" } });
    await bad({
      endpoint: "https://push.example/a",
      keys: { ...keys, auth: toBase64Url(new Uint8Array(8)) },
    });
    const notJson = await app.fetch("/api/push/subscriptions", {
      method: "POST",
      headers: {
        origin: "http://localhost",
        cookie: ann.cookie,
        "content-type": "application/json",
      },
      body: "{",
    });
    await assertError(notJson, 400, "malformed_json");
  });
});

Deno.test("with PUSH_ALLOW_PRIVATE=1 a loopback http receiver is taken, link-local still not", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const keys = await browserKeys();
    const ok = await app.fetch(
      "/api/push/subscriptions",
      subscribe({ endpoint: "http://127.0.0.1:9/push/1", keys }, ann.cookie),
    );
    assert.equal(ok.status, 201);
    await assertError(
      await app.fetch(
        "/api/push/subscriptions",
        subscribe({ endpoint: "http://169.254.169.254/push", keys }, ann.cookie),
      ),
      400,
      "invalid_input",
    );
    await assertError(
      await app.fetch(
        "/api/push/subscriptions",
        subscribe({ endpoint: "http://[fe80::1]/p", keys }, ann.cookie),
      ),
      400,
      "invalid_input",
    );
  }, { PUSH_ALLOW_PRIVATE: "1" });
});

Deno.test("a browser's subscription belongs to the account that gave it last", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const keys = await browserKeys();
    const endpoint = "https://push.example/one-browser";
    const list = async (cookie: string) =>
      (await okJson(await app.fetch("/api/push/subscriptions", withCookie(cookie)))).subscriptions;
    assert.equal(
      (await app.fetch("/api/push/subscriptions", subscribe({ endpoint, keys }, ann.cookie)))
        .status,
      201,
    );
    // Ann signed out; Ben signed in on the same browser and turned pushes on.
    assert.equal(
      (await app.fetch("/api/push/subscriptions", subscribe({ endpoint, keys }, ben.cookie)))
        .status,
      201,
    );
    assert.deepEqual(await list(ann.cookie), []);
    assert.equal((await list(ben.cookie)).length, 1);
    // Ann deleting it (an old tab of hers) leaves Ben's.
    await app.fetch("/api/push/subscriptions", json("DELETE", { endpoint }, ann.cookie));
    assert.equal((await list(ben.cookie)).length, 1);
    await app.fetch("/api/push/subscriptions", json("DELETE", { endpoint }, ben.cookie));
    assert.deepEqual(await list(ben.cookie), []);
    assert.equal(
      (await app.ctx.kv.get(pushEndpointKey(await endpointHash(endpoint)))).versionstamp,
      null,
    );
  });
});

Deno.test("signing a session out unsubscribes the device it turned pushes on for", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    /** A second sign-in of Ann's (another device), its cookie. */
    const signIn = async () => {
      const res = await app.fetch(
        "/api/auth/login",
        json("POST", { username: ann.user.username, password: ann.password }),
      );
      assert.equal(res.status, 200);
      await res.body?.cancel();
      return sessionCookieOf(res);
    };
    const listed = async (cookie: string) =>
      (await okJson(await app.fetch("/api/push/subscriptions", withCookie(cookie))))
        .subscriptions.map((s: { endpoint: string }) => s.endpoint).sort();
    const add = async (cookie: string, endpoint: string) =>
      await okJson(
        await app.fetch(
          "/api/push/subscriptions",
          subscribe({ endpoint, keys: await browserKeys() }, cookie),
        ),
        201,
      );
    const laptop = await signIn();
    const shared = await signIn();
    const phone = await signIn();
    await add(laptop, "https://push.example/laptop");
    await add(shared, "https://push.example/shared");
    await add(phone, "https://push.example/phone");
    // Signing out on the shared computer: its device stops getting Ann's pushes, no other.
    const out = await app.fetch("/api/auth/logout", json("POST", undefined, shared));
    assert.equal(out.status, 204);
    assert.deepEqual(await listed(laptop), [
      "https://push.example/laptop",
      "https://push.example/phone",
    ]);
    // Ending the phone's session from the laptop (the sessions list) does the same.
    const sessions = (await okJson(await app.fetch("/api/auth/sessions", withCookie(laptop))))
      .sessions as { id: string; current: boolean }[];
    const current = sessions.find((s) => s.current)!.id;
    for (const s of sessions.filter((s) => !s.current)) {
      const res = await app.fetch(`/api/auth/sessions/${s.id}`, json("DELETE", undefined, laptop));
      assert.equal(res.status, 204);
    }
    assert.deepEqual(await listed(laptop), ["https://push.example/laptop"]);
    // Signing out everywhere: none is left.
    assert.ok(current);
    const all = await app.fetch("/api/auth/sessions/revoke-all", json("POST", undefined, laptop));
    assert.equal(all.status, 204);
    const again = await signIn();
    assert.deepEqual(await listed(again), []);
  });
});
