/**
 * Compression through the whole app (issue 21): the build's assets, static/, the service
 * worker and the offline page in each encoding, decoding to the identity's bytes; pages and
 * JSON compressed for this origin's requests and never for another site's cookie-bearing ones
 * (BREACH); never images, file downloads or a new secret; `Vary` on every compressible answer;
 * q=0 and `identity` honoured; ETag per encoding, HEAD and Range. One answer over a real
 * socket checks the length Deno sends.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import {
  createConversationVia,
  createProjectVia,
  json,
  registerUser,
  startTestServer,
  type TestApp,
  uploadInit,
  withApp,
} from "../support/helpers.ts";

const SAME = { "sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate" };

function decode(coding: string | null, bytes: Uint8Array): Uint8Array {
  if (coding === "br") return zlib.brotliDecompressSync(bytes);
  if (coding === "gzip") return zlib.gunzipSync(bytes);
  assert.equal(coding, null, `an encoding this test knows: ${coding}`);
  return bytes;
}

/** GET (or HEAD) with these headers: the raw answer, its bytes, and the bytes decoded. */
async function get(
  app: Pick<TestApp, "fetch">,
  path: string,
  headers: Record<string, string>,
  method = "GET",
) {
  const res = await app.fetch(path, { method, headers });
  const raw = new Uint8Array(await res.arrayBuffer());
  const coding = res.headers.get("content-encoding");
  return { res, raw, coding, body: new TextDecoder().decode(decode(coding, raw)) };
}

/** Every asset, static file and app file a signed-in page links, plus the worker. */
async function linkedFiles(app: TestApp, cookie: string): Promise<string[]> {
  const page = await (await app.fetch("/", { headers: { cookie } })).text();
  const linked = [...page.matchAll(/(?:href|src)="(\/(?:assets|static)\/[^"]+\.(?:js|css))"/g)]
    .map((m) => m[1]);
  assert.ok(
    linked.some((p) => p.endsWith("styles.css")) && linked.some((p) => p.endsWith("boot.js")),
  );
  return [...new Set([...linked, "/sw.js", "/offline", "/static/offline.html"])];
}

Deno.test("assets, static files, the worker and the offline page decode to the identity in each encoding", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    for (const path of await linkedFiles(app, ann.cookie)) {
      const identity = await get(app, path, {});
      assert.equal(identity.res.status, 200, path);
      assert.equal(identity.coding, null);
      for (
        const [ae, coding] of [["gzip, deflate, br", "br"], ["gzip", "gzip"], [
          "br;q=0.5, gzip",
          "gzip",
        ]]
      ) {
        const encoded = await get(app, path, { "accept-encoding": ae });
        assert.equal(encoded.coding, coding, `${path} for ${ae}`);
        assert.equal(encoded.body, identity.body, `${path} in ${coding} is the same file`);
        assert.equal(Number(encoded.res.headers.get("content-length")), encoded.raw.length, path);
        assert.ok(encoded.raw.length < identity.raw.length);
        assert.match(encoded.res.headers.get("vary") ?? "", /Accept-Encoding/);
        assert.notEqual(encoded.res.headers.get("etag"), identity.res.headers.get("etag"));
        assert.equal(
          encoded.res.headers.get("content-type"),
          identity.res.headers.get("content-type"),
        );
      }
      assert.match(identity.res.headers.get("vary") ?? "", /Accept-Encoding/, `${path} Vary`);
      for (const ae of ["identity", "br;q=0, gzip;q=0", "*;q=0", "deflate"]) {
        const plain = await get(app, path, { "accept-encoding": ae });
        assert.equal(plain.coding, null, `${path} for ${ae}`);
        assert.equal(plain.body, identity.body);
      }
    }
  });
});

Deno.test("an asset: ETag per encoding and 304, HEAD with the GET's headers, Range gets the identity", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const css = (await linkedFiles(app, ann.cookie)).find((p) => p.endsWith("styles.css"))!;
    const br = await get(app, css, { "accept-encoding": "br" });
    const etag = br.res.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]+-br"$/);
    const again = await get(app, css, { "accept-encoding": "br", "if-none-match": etag });
    assert.equal(again.res.status, 304);
    assert.equal(again.raw.length, 0);
    assert.equal(again.res.headers.get("etag"), etag);
    const other = await get(app, css, { "accept-encoding": "gzip", "if-none-match": etag });
    assert.equal(other.res.status, 200, "the br tag does not validate the gzip form");
    const head = await get(app, css, { "accept-encoding": "br" }, "HEAD");
    assert.equal(head.raw.length, 0);
    for (const name of ["content-encoding", "content-length", "etag", "vary", "content-type"]) {
      assert.equal(head.res.headers.get(name), br.res.headers.get(name), `HEAD ${name}`);
    }
    const range = await get(app, css, { "accept-encoding": "br", range: "bytes=0-9" });
    assert.equal(range.res.status, 200);
    assert.equal(range.coding, null, "a range of an encoded form is not served");
    assert.equal(range.res.headers.get("accept-ranges"), "none");
    assert.equal(range.body, (await get(app, css, {})).body);
  });
});

Deno.test("pages and JSON are compressed for this origin; Vary on every compressible answer", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Compressed");
    for (let i = 0; i < 30; i++) {
      const res = await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", {
          content: `message ${i} of a long enough history`,
          clientId: crypto.randomUUID(),
        }, ann.cookie),
      );
      assert.equal(res.status, 201);
    }
    const cookie = { cookie: ann.cookie };
    for (
      const path of [`/conversations/${id}`, `/api/conversations/${id}/messages?limit=50`, "/"]
    ) {
      const plain = await get(app, path, { ...cookie, ...SAME });
      assert.equal(plain.coding, null);
      assert.match(plain.res.headers.get("vary") ?? "", /Accept-Encoding/, `${path} Vary`);
      for (const [ae, coding] of [["gzip, deflate, br", "br"], ["gzip", "gzip"]]) {
        const packed = await get(app, path, { ...cookie, ...SAME, "accept-encoding": ae });
        assert.equal(packed.coding, coding, `${path} for ${ae}`);
        assert.match(packed.res.headers.get("vary") ?? "", /Accept-Encoding/);
        assert.equal(Number(packed.res.headers.get("content-length")), packed.raw.length);
        if (path.startsWith("/api/")) {
          assert.deepEqual(JSON.parse(packed.body), JSON.parse(plain.body));
        } else assert.equal(packed.body, plain.body, `${path} decodes to the same page`);
      }
      const refused = await get(app, path, {
        ...cookie,
        ...SAME,
        "accept-encoding": "br;q=0, gzip;q=0",
      });
      assert.equal(refused.coding, null);
    }
    // A small answer is not worth it (Vary still says it could be).
    const small = await get(app, "/api/auth/check", {
      ...cookie,
      ...SAME,
      "accept-encoding": "br",
    });
    assert.equal(small.coding, null);
  });
});

Deno.test("BREACH: another site's cookie-bearing request, or a browser that does not say, gets no compression", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Private");
    const path = `/search?q=${"guess".repeat(300)}&in=${id}`;
    const sites: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" },
      { "sec-fetch-site": "same-site", "sec-fetch-mode": "navigate" },
      { "sec-fetch-site": "same-origin", "sec-fetch-mode": "no-cors" },
      {},
    ];
    for (const site of sites) {
      const res = await get(app, path, {
        cookie: ann.cookie,
        "accept-encoding": "br, gzip",
        ...site,
      });
      assert.equal(res.res.status, 200);
      assert.equal(res.coding, null, JSON.stringify(site));
      assert.match(res.res.headers.get("vary") ?? "", /Accept-Encoding/);
    }
    // Without a cookie there is nothing private to find: the login page is compressed for anyone.
    const login = await get(app, "/login", {
      "accept-encoding": "br",
      "sec-fetch-site": "cross-site",
    });
    assert.equal(login.coding, "br");
  });
});

Deno.test("never compressed: images, file downloads and a secret shown once", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ae = { cookie: ann.cookie, ...SAME, "accept-encoding": "br, gzip" };
    const icon = await get(app, "/static/icons/icon-192.png", ae);
    assert.equal(icon.res.headers.get("content-type"), "image/png");
    assert.equal(icon.coding, null);

    const project = await createProjectVia(app, ann.cookie, { name: "Files" });
    const text = "plain text that compresses very well. ".repeat(200);
    const up = await app.fetch(
      `/api/projects/${project.id}/files`,
      uploadInit("notes.txt", text, ann.cookie),
    );
    assert.equal(up.status, 201);
    const { file } = await up.json();
    const download = await get(app, `/api/projects/${project.id}/files/${file.id}`, ae);
    assert.equal(download.res.status, 200);
    assert.equal(download.coding, null, "a download is sent as stored");
    assert.equal(download.body, text);

    const token = await app.fetch("/api/tokens", {
      ...json("POST", { name: "CI" }, ann.cookie),
      headers: { ...json("POST", { name: "CI" }, ann.cookie).headers, ...ae },
    });
    assert.equal(token.status, 201);
    assert.equal(token.headers.get("content-encoding"), null, "the new token's answer");
    assert.match((await token.json()).secret, /^hth_/);
  });
});

Deno.test("over a real socket: the length Deno sends is the compressed one, for GET and HEAD", async () => {
  const server = await startTestServer();
  try {
    const ann = await registerUser(server);
    const css = (await linkedFiles(server as unknown as TestApp, ann.cookie)).find((p) =>
      p.endsWith("styles.css")
    )!;
    // An asset (its kept .br) and a page compressed on the fly (the login page: no cookie).
    for (
      const [path, method] of [[css, "GET"], [css, "HEAD"], ["/login", "GET"], ["/login", "HEAD"]]
    ) {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: Number(new URL(server.base).port),
      });
      await conn.write(new TextEncoder().encode(
        `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n`,
      ));
      const raw = new Uint8Array(await new Response(conn.readable).arrayBuffer());
      const text = new TextDecoder("latin1").decode(raw);
      const [head] = text.split("\r\n\r\n", 1);
      const lengths = [...head.matchAll(/^content-length: (\d+)$/gim)].map((m) => Number(m[1]));
      assert.equal(lengths.length, 1, `one Content-Length on ${method} ${path}: ${head}`);
      assert.match(head, /^content-encoding: br$/im);
      const body = raw.subarray(head.length + 4);
      if (method === "GET") {
        assert.equal(body.length, lengths[0]);
        assert.ok(new TextDecoder().decode(zlib.brotliDecompressSync(body)).length > lengths[0]);
      } else assert.equal(body.length, 0);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a 405 that replaces a compressed 404 says no Content-Encoding, and keeps Allow and the CSP", async () => {
  await withApp(async (app) => {
    // The not-found page behind the 405 is compressible (no cookie: no BREACH rule applies).
    const notFound = await get(app, "/conversations/nope/nothing", { "accept-encoding": "br" });
    assert.equal(notFound.res.status, 404);
    assert.equal(notFound.coding, "br", "the 404 page is compressed");
    for (const [method, path] of [["PATCH", "/conversations/x"], ["GET", "/hooks/x/y"]]) {
      const res = await get(app, path, { "accept-encoding": "br" }, method);
      assert.equal(res.res.status, 405, `${method} ${path}`);
      assert.equal(res.coding, null, `${method} ${path}: the 404's encoding is not kept`);
      assert.equal(JSON.parse(res.body).error.code, "method_not_allowed");
      assert.ok(res.res.headers.get("allow"));
      assert.ok(res.res.headers.get("content-security-policy"));
    }
  });
});
