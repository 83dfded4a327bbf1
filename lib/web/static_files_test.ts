/**
 * The build's files are stat'ed per request, not read (static_files.ts): what a stat cannot
 * vouch for is read and compared, so a file rewritten under a running server, in place or by
 * a rename over it, in the same clock tick or long after, is never answered with its old
 * bytes or an encoded form made from them.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { Hono } from "hono";
import { staticFiles, TRUST_AFTER_MS } from "./static_files.ts";
import { precompressBuild } from "./precompress.ts";

function decode(coding: string | null, bytes: Uint8Array): string {
  const raw = coding === "br"
    ? zlib.brotliDecompressSync(bytes)
    : coding === "gzip"
    ? zlib.gunzipSync(bytes)
    : bytes;
  return new TextDecoder().decode(raw);
}

async function withBuilt(fn: (dir: string, get: (ae: string) => Promise<Got>) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const server = new Hono().use(
    "/assets/*",
    staticFiles({ root: dir, prefix: "/assets", cacheControl: "immutable", encoded: "built" }),
  );
  const get = async (ae: string): Promise<Got> => {
    const res = await server.request("/assets/app.js", { headers: { "accept-encoding": ae } });
    const coding = res.headers.get("content-encoding");
    return {
      status: res.status,
      coding,
      text: decode(coding, new Uint8Array(await res.arrayBuffer())),
    };
  };
  try {
    await fn(dir, get);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
type Got = { status: number; coding: string | null; text: string };

const ONE = `export const one = "first";\n`.repeat(80);
const TWO = `export const two = "other";\n`.repeat(80); // the same length

Deno.test("a built file rewritten in place in the same instant as its check is answered anew", async () => {
  await withBuilt(async (dir, get) => {
    const file = `${dir}/app.js`;
    await Deno.writeTextFile(file, ONE);
    await precompressBuild(dir);
    assert.deepEqual(await get("br"), { status: 200, coding: "br", text: ONE });
    // Same size, and as far as the file's coarse clock goes maybe the same mtime.
    await Deno.writeTextFile(file, TWO);
    for (const ae of ["br", "gzip", "identity"]) {
      assert.deepEqual(await get(ae), { status: 200, coding: null, text: TWO }, ae);
    }
  });
});

Deno.test("a built file its stat vouches for, then rewritten (in place or renamed over), is answered anew", async () => {
  await withBuilt(async (dir, get) => {
    const file = `${dir}/app.js`;
    await Deno.writeTextFile(file, ONE);
    await precompressBuild(dir);
    // Written long before it is first read: from then on the stat alone vouches for it.
    const old = new Date(Date.now() - 10 * TRUST_AFTER_MS);
    await Deno.utime(file, old, old);
    assert.deepEqual(await get("br"), { status: 200, coding: "br", text: ONE });
    assert.deepEqual(await get("gzip"), { status: 200, coding: "gzip", text: ONE });

    await Deno.writeTextFile(file, TWO);
    for (const ae of ["br", "gzip", "identity"]) {
      assert.deepEqual(await get(ae), { status: 200, coding: null, text: TWO }, `in place, ${ae}`);
    }

    await Deno.writeTextFile(`${dir}/next.js`, ONE);
    await Deno.utime(`${dir}/next.js`, old, old);
    await Deno.rename(`${dir}/next.js`, file);
    assert.deepEqual(await get("identity"), { status: 200, coding: null, text: ONE }, "renamed");

    await Deno.remove(file);
    assert.equal((await get("br")).status, 404, "removed: not found");
  });
});
