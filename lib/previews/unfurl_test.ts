/**
 * The unfurler against real servers on 127.0.0.1 (tests/support/page_server.ts): what it
 * reads, what it refuses, how little of a huge page it reads, how long it waits, and the
 * day's cache (one request per URL, a failure cached too, one fetch at a time).
 */
import assert from "node:assert/strict";
import { startPageServer } from "../../tests/support/page_server.ts";
import { unfurlKey } from "../storage/mod.ts";
import { fetchImage, readImage } from "./image.ts";
import { fetchPage, hashUrl, unfurl, UNFURL_TTL_MS } from "./unfurl.ts";

const ALLOW = { allowPrivate: true };

Deno.test("fetchPage against real pages", async (t) => {
  const site = startPageServer();
  try {
    await t.step("an OpenGraph page: its facts, its image's absolute address", async () => {
      const { facts } = await fetchPage(`${site.base}/page`, ALLOW);
      assert.deepEqual(facts, {
        title: "The Hearth handbook",
        description: "How the team works: chat, threads & search.",
        siteName: "Hearth Docs",
        imageUrl: `${site.base}/image.png`,
      });
    });

    await t.step("without the switch a loopback page is never requested", async () => {
      const before = site.hits("/page");
      const { facts, reason } = await fetchPage(`${site.base}/page`, { allowPrivate: false });
      assert.equal(facts, null);
      assert.match(reason!, /https only|loopback/);
      assert.equal(site.hits("/page"), before);
    });

    await t.step(
      "a redirect to link-local (metadata) is refused even with the switch",
      async () => {
        for (const to of ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/"]) {
          const { facts, reason } = await fetchPage(
            `${site.base}/redirect?to=${encodeURIComponent(to)}`,
            ALLOW,
          );
          assert.equal(facts, null);
          assert.match(reason!, /link-local/, to);
        }
        // and to a reserved address, or another scheme
        const reserved = await fetchPage(`${site.base}/redirect?to=http://0.0.0.0:1/`, ALLOW);
        assert.match(reserved.reason!, /reserved/);
        const file = await fetchPage(`${site.base}/redirect?to=file:///etc/passwd`, ALLOW);
        assert.match(file.reason!, /file: is not allowed/);
      },
    );

    await t.step("redirects: 3 followed (each checked), a 4th is not", async () => {
      const three = await fetchPage(`${site.base}/redirect-chain?n=2`, ALLOW);
      assert.equal(three.facts?.title, "The Hearth handbook");
      const four = await fetchPage(`${site.base}/redirect-chain?n=3`, ALLOW);
      assert.equal(four.facts, null);
      assert.equal(four.reason, "status 302");
    });

    await t.step(
      "a 50 MB page: read up to 1 MB, the connection dropped, its title kept",
      async () => {
        const started = performance.now();
        const { facts } = await fetchPage(`${site.base}/huge`, ALLOW);
        assert.equal(facts?.title, "Huge page");
        await site.hugeDone();
        // The server wrote what the socket buffers took beyond the 1 MB read, not 50 MB.
        const sent = site.hugeBytesSent();
        assert.ok(sent < 8 * 1024 * 1024, `sent ${sent} bytes`);
        assert.ok(performance.now() - started < 3000);
      },
    );

    await t.step("a slow server: given up after 3 s", async () => {
      const started = performance.now();
      const { facts, reason } = await fetchPage(`${site.base}/slow`, ALLOW);
      const took = performance.now() - started;
      assert.equal(facts, null);
      assert.match(reason!, /TimeoutError|timed out|abort/i);
      assert.ok(took >= 2900 && took < 4500, `took ${took} ms`);
    });

    await t.step("a non-HTML answer (JSON, an image) is not read", async () => {
      const json = await fetchPage(`${site.base}/json`, ALLOW);
      assert.equal(json.facts, null);
      assert.equal(json.reason, "not HTML (application/json)");
      const png = await fetchPage(`${site.base}/image.png`, ALLOW);
      assert.equal(png.reason, "not HTML (image/png)");
      const missing = await fetchPage(`${site.base}/nothing-here`, ALLOW);
      assert.equal(missing.reason, "status 404");
    });

    await t.step(
      "hostile markup: text only, cleaned, cut; comments and scripts unread",
      async () => {
        const { facts } = await fetchPage(`${site.base}/hostile`, ALLOW);
        assert.ok(facts);
        assert.equal(facts.title, `<script>alert("t")</script><img src=x onerror=alert(1)> evil`);
        assert.ok(facts.description.startsWith("<b>bold</b> flip \ufffd long long"));
        assert.ok([...facts.description].length <= 500);
        assert.doesNotMatch(facts.description + facts.title, /\p{Cc}|\p{Cf}/u);
        assert.equal(facts.siteName, "127.0.0.1");
      },
    );
  } finally {
    await site.close();
  }
});

Deno.test("unfurl: the day's cache, failures included; one fetch at a time", async (t) => {
  const site = startPageServer();
  const kv = await Deno.openKv(":memory:");
  try {
    await t.step("a URL is fetched once a day; after the day, again", async () => {
      const url = `${site.base}/page?v=cache`;
      const first = await unfurl(kv, url, ALLOW);
      assert.ok(!("busy" in first) && first.facts?.title === "The Hearth handbook");
      assert.equal(first.image, true);
      const again = await unfurl(kv, url, ALLOW);
      assert.ok(!("busy" in again) && again.facts?.title === "The Hearth handbook");
      assert.equal(site.hits("/page"), 1);
      assert.equal(site.hits("/image.png"), 1);
      await unfurl(kv, url, ALLOW, Date.now() + UNFURL_TTL_MS + 1000);
      assert.equal(site.hits("/page"), 2);
    });

    await t.step("a failure is cached for the day too", async () => {
      const url = `${site.base}/json?v=fail`;
      for (let i = 0; i < 3; i++) {
        const r = await unfurl(kv, url, ALLOW);
        assert.ok(!("busy" in r) && r.facts === null);
      }
      assert.equal(site.hits("/json"), 1);
    });

    await t.step(
      "while one fetch is on, another asker is told to wait (no second request)",
      async () => {
        // A page that does not answer keeps the first fetch on (until its 300 ms run out),
        // so the second asker comes while it is, however loaded the machine.
        const url = `${site.base}/slow?v=together`;
        const slowly = { ...ALLOW, timeoutMs: 300 };
        const before = site.hits("/slow");
        const first = unfurl(kv, url, slowly);
        while (site.hits("/slow") === before) await new Promise((r) => setTimeout(r, 5));
        assert.deepEqual(await unfurl(kv, url, slowly), { busy: true });
        const done = await first;
        assert.ok(!("busy" in done) && done.facts === null);
        assert.equal(site.hits("/slow"), before + 1);
      },
    );

    await t.step("the image: kept in chunks under the page's hash, served as stored", async () => {
      const hash = await hashUrl(`${site.base}/page?v=cache`);
      const stored = await readImage(kv, hash);
      assert.ok(stored && "image" in stored);
      assert.equal(stored.image.contentType, "image/png");
      assert.equal(stored.image.bytes.length, 70);
      // After a day it is not served from the store.
      assert.equal(await readImage(kv, hash, Date.now() + 25 * 60 * 60_000), null);
    });

    await t.step(
      "an image that is not one (HTML saying image/png) is refused, and remembered",
      async () => {
        const r = await unfurl(kv, `${site.base}/fake-image-page`, ALLOW);
        assert.ok(!("busy" in r) && r.facts?.title === "Fake image" && r.image === false);
        const hash = await hashUrl(`${site.base}/fake-image-page`);
        assert.deepEqual(await readImage(kv, hash), {
          failed: "not a PNG, JPEG, GIF or WebP image",
        });
      },
    );

    await t.step("a big image (1 MB + 1) is refused", async () => {
      const big = new Uint8Array(1024 * 1024 + 1);
      big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const server = Deno.serve(
        { port: 0, hostname: "127.0.0.1", onListen: () => {} },
        () => new Response(big, { headers: { "content-type": "image/png" } }),
      );
      try {
        const kept = await fetchImage(
          kv,
          "b".repeat(64),
          `http://127.0.0.1:${server.addr.port}/`,
          ALLOW,
        );
        assert.equal(kept, false);
        assert.deepEqual(await readImage(kv, "b".repeat(64)), { failed: "over 1 MB" });
      } finally {
        await server.shutdown();
      }
    });

    await t.step("an image just under 1 MB is kept whole (17 chunks, 3 commits)", async () => {
      const bytes = new Uint8Array(1024 * 1024 - 5);
      bytes.set([0xff, 0xd8, 0xff, 0xe0]);
      for (let i = 4; i < bytes.length; i++) bytes[i] = i % 251;
      const server = Deno.serve(
        { port: 0, hostname: "127.0.0.1", onListen: () => {} },
        () => new Response(bytes, { headers: { "content-type": "application/octet-stream" } }),
      );
      try {
        assert.equal(
          await fetchImage(kv, "c".repeat(64), `http://127.0.0.1:${server.addr.port}/`, ALLOW),
          true,
        );
        const stored = await readImage(kv, "c".repeat(64));
        assert.ok(stored && "image" in stored);
        assert.equal(stored.image.contentType, "image/jpeg");
        assert.deepEqual(stored.image.bytes, bytes);
      } finally {
        await server.shutdown();
      }
    });

    await t.step(
      "nothing of a page's body is stored: the record holds the facts only",
      async () => {
        const url = `${site.base}/huge?v=store`;
        await unfurl(kv, url, ALLOW);
        const entry = await kv.get(unfurlKey(await hashUrl(url)));
        assert.ok(JSON.stringify(entry.value).length < 500);
      },
    );
  } finally {
    kv.close();
    await site.close();
  }
});

/** A self-signed certificate for "localhost" (openssl), for an https page server. */
async function localhostCert(): Promise<{ cert: string; key: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        // Its own anchor, not a CA (rustls refuses a CA certificate as the server's).
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return {
      cert: await Deno.readTextFile(`${dir}/cert.pem`),
      key: await Deno.readTextFile(`${dir}/key.pem`),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("without the switch: an https page whose name looks public, redirecting to a private or link-local address, is refused at the hop", async () => {
  const { cert, key } = await localhostCert();
  const hits: string[] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", cert, key, onListen: () => {} },
    (req) => {
      const path = new URL(req.url).pathname;
      hits.push(path);
      const to: Record<string, string> = {
        "/private": "https://10.1.2.3/admin",
        "/loopback": "https://127.0.0.1/",
        "/metadata": "https://169.254.169.254/latest/meta-data/",
        "/mapped": "https://[::ffff:192.168.0.1]/",
      };
      if (to[path]) return new Response(null, { status: 302, headers: { location: to[path] } });
      return new Response("<title>A public page</title>", {
        headers: { "content-type": "text/html" },
      });
    },
  );
  const client = Deno.createHttpClient({ caCerts: [cert] });
  // The check sees the name's "public" address; the connection goes to the test server.
  const options = {
    allowPrivate: false,
    client,
    resolve: () => Promise.resolve(["93.184.216.34"]),
  };
  const base = `https://localhost:${server.addr.port}`;
  try {
    const ok = await fetchPage(`${base}/page`, options);
    assert.equal(ok.facts?.title, "A public page", ok.reason);
    for (
      const [path, why] of [
        ["/private", /private/],
        ["/loopback", /loopback/],
        ["/metadata", /link-local/],
        ["/mapped", /private/],
      ] as const
    ) {
      const { facts, reason } = await fetchPage(`${base}${path}`, options);
      assert.equal(facts, null, path);
      assert.match(reason!, why, path);
    }
    // Each page was asked once; no hop beyond the refused redirect was made.
    assert.deepEqual(hits, ["/page", "/private", "/loopback", "/metadata", "/mapped"]);
  } finally {
    client.close();
    await server.shutdown();
  }
});
