/**
 * The compression parts on their own: Accept-Encoding, the BREACH rule, whole and streamed
 * bodies through compressAnswers, and staticFiles never answering from bytes a file no longer
 * has (changed by another process, or a stale `.br` beside a built file).
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { Hono } from "hono";
import { breachSafe, chooseEncoding, compressAnswers } from "./compress.ts";
import { staticFiles } from "./static_files.ts";
import { precompressBuild } from "./precompress.ts";

const decode = (coding: string | null, bytes: Uint8Array): string =>
  new TextDecoder().decode(
    coding === "br"
      ? zlib.brotliDecompressSync(bytes)
      : coding === "gzip"
      ? zlib.gunzipSync(bytes)
      : bytes,
  );

Deno.test("chooseEncoding weighs Accept-Encoding: q-values, *, identity, br first on ties", () => {
  const cases: [string | null, "br" | "gzip" | null][] = [
    [null, null],
    ["", null],
    ["identity", null],
    ["gzip, deflate, br, zstd", "br"],
    ["gzip, deflate", "gzip"],
    ["br;q=0, gzip", "gzip"],
    ["br;q=0.5, gzip;q=0.8", "gzip"],
    ["gzip;q=0.8, br;q=0.8", "br"],
    ["*", "br"],
    ["*;q=0", null],
    ["gzip;q=0, *", "br"],
    ["br;q=0, gzip;q=0, identity", null],
    ["x-gzip", "gzip"],
    ["GZIP ; Q=1", "gzip"],
    ["br;q=bogus, gzip", "gzip"],
    ["deflate", null],
  ];
  for (const [header, expected] of cases) {
    assert.equal(chooseEncoding(header), expected, `Accept-Encoding: ${header}`);
  }
  assert.equal(chooseEncoding("br", ["gzip"]), null, "only what is offered");
});

Deno.test("breachSafe: a cookie-bearing request is compressed only from this origin or the person", () => {
  const req = (headers: Record<string, string>) => new Request("http://x/", { headers });
  assert.equal(breachSafe(req({})), true, "no cookie: nothing private in the answer");
  assert.equal(breachSafe(req({ "sec-fetch-site": "cross-site" })), true);
  const cookie = { cookie: "sid=x" };
  assert.equal(breachSafe(req({ ...cookie, "sec-fetch-site": "same-origin" })), true);
  assert.equal(breachSafe(req({ ...cookie, "sec-fetch-site": "none" })), true);
  assert.equal(breachSafe(req({ ...cookie, "sec-fetch-site": "cross-site" })), false);
  assert.equal(breachSafe(req({ ...cookie, "sec-fetch-site": "same-site" })), false);
  assert.equal(breachSafe(req(cookie)), false, "a browser that does not say where it came from");
  assert.equal(
    breachSafe(req({ ...cookie, "sec-fetch-site": "same-origin", "sec-fetch-mode": "no-cors" })),
    false,
    "an image or script one of our pages embeds (a message could point it anywhere)",
  );
});

/** A Hono app with compressAnswers and a few routes. */
function app(release?: Promise<void>) {
  const big = "<p>hello compressed world</p>\n".repeat(200);
  return new Hono()
    .use(compressAnswers())
    .get("/whole", (c) => c.html(big))
    .get("/small", (c) => c.json({ ok: true }))
    .get("/tagged", (c) => c.html(big, 200, { ETag: '"v1"' }))
    .get("/events", (c) => c.body(big, 200, { "Content-Type": "text/event-stream" }))
    .get("/stream", () => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode("<head>the head</head>"));
          await release;
          controller.enqueue(encoder.encode(big));
          controller.close();
        },
      });
      return new Response(body, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
}

Deno.test("compressAnswers: a whole body in one call, brotli first; small and event streams not", async () => {
  const server = app();
  const get = (path: string, ae: string) =>
    server.request(path, { headers: { "accept-encoding": ae } });
  const whole = await get("/whole", "gzip, br");
  assert.equal(whole.headers.get("content-encoding"), "br");
  assert.equal(whole.headers.get("vary"), "Accept-Encoding");
  const bytes = new Uint8Array(await whole.arrayBuffer());
  assert.equal(Number(whole.headers.get("content-length")), bytes.length);
  assert.equal(decode("br", bytes), "<p>hello compressed world</p>\n".repeat(200));
  const gz = await get("/whole", "gzip");
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(
    decode("gzip", new Uint8Array(await gz.arrayBuffer())),
    await (await get("/whole", "")).text(),
  );
  const tagged = await get("/tagged", "br");
  assert.equal(tagged.headers.get("etag"), '"v1-br"', "the encoded form has its own ETag");
  await tagged.body?.cancel();
  assert.equal((await get("/tagged", "identity")).headers.get("etag"), '"v1"');
  const small = await get("/small", "br");
  assert.equal(small.headers.get("content-encoding"), null, "under 1 KB");
  assert.equal(small.headers.get("vary"), "Accept-Encoding");
  assert.deepEqual(await small.json(), { ok: true });
  const events = await get("/events", "br");
  assert.equal(events.headers.get("content-encoding"), null);
  await events.body?.cancel();
});

Deno.test("compressAnswers: a streamed body stays streamed (the head arrives before the rest exists)", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const res = await app(released).request("/stream", {
    headers: { "accept-encoding": "br, gzip" },
  });
  assert.equal(res.headers.get("content-encoding"), "gzip", "streams are gzip (flushed per chunk)");
  assert.equal(res.headers.get("content-length"), null);
  // Decode what has arrived while the handler still holds back the rest of its body.
  const decoded = res.body!.pipeThrough(new DecompressionStream("gzip")).pipeThrough(
    new TextDecoderStream(),
  ).getReader();
  let text = "";
  while (!text.includes("the head</head>")) text += (await decoded.read()).value ?? "";
  release();
  for (;;) {
    const next = await decoded.read();
    if (next.done) break;
    text += next.value;
  }
  assert.ok(text.startsWith("<head>the head</head><p>hello"));
  assert.ok(text.endsWith("</p>\n"));
});

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("staticFiles never answers from bytes the file no longer has (rewritten by another process)", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/theme.js`;
    await Deno.writeTextFile(file, `console.log("one");\n`.repeat(100));
    const server = new Hono().use(
      "/static/*",
      staticFiles({ root: dir, prefix: "/static", cacheControl: "no-cache", encoded: "memory" }),
    );
    const get = async (ae: string) => {
      const res = await server.request("/static/theme.js", { headers: { "accept-encoding": ae } });
      const coding = res.headers.get("content-encoding");
      return {
        coding,
        etag: res.headers.get("etag"),
        text: decode(coding, new Uint8Array(await res.arrayBuffer())),
      };
    };
    const before = await get("br");
    assert.equal(before.coding, "br");
    assert.equal(before.text, `console.log("one");\n`.repeat(100));
    // Same length, written by another process within the same second.
    const other = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `Deno.writeTextFileSync(${JSON.stringify(file)}, 'console.log("two");\\n'.repeat(100))`,
      ],
    }).output();
    assert.ok(other.success);
    for (const ae of ["br", "gzip", "identity"]) {
      const after = await get(ae);
      assert.equal(after.text, `console.log("two");\n`.repeat(100), `${ae} has the new bytes`);
      assert.notEqual(after.etag?.split("-")[0], before.etag?.split("-")[0], "a new ETag");
    }
    await Deno.remove(file);
    const gone = await server.request("/static/theme.js", { headers: { "accept-encoding": "br" } });
    assert.equal(gone.status, 404);
  });
});

Deno.test("staticFiles: a built file's .br/.gz are sent only while they decode to the file", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/boot.js`;
    await Deno.writeTextFile(file, `export const a = "first";\n`.repeat(80));
    await precompressBuild(dir);
    assert.ok((await Deno.stat(`${file}.br`)).isFile && (await Deno.stat(`${file}.gz`)).isFile);
    const server = new Hono().use(
      "/assets/*",
      staticFiles({ root: dir, prefix: "/assets", cacheControl: "immutable", encoded: "built" }),
    );
    const get = async (ae: string) => {
      const res = await server.request("/assets/boot.js", { headers: { "accept-encoding": ae } });
      const coding = res.headers.get("content-encoding");
      return { coding, text: decode(coding, new Uint8Array(await res.arrayBuffer())) };
    };
    assert.deepEqual(await get("br"), {
      coding: "br",
      text: `export const a = "first";\n`.repeat(80),
    });
    // The file changes in place and its encoded forms do not: they are never sent.
    await Deno.writeTextFile(file, `export const b = "other";\n`.repeat(80));
    for (const ae of ["br", "gzip"]) {
      assert.deepEqual(await get(ae), {
        coding: null,
        text: `export const b = "other";\n`.repeat(80),
      });
    }
    // Asked by name, an encoded form is not served as a file of its own.
    assert.equal((await server.request("/assets/boot.js.br")).status, 404);
  });
});
