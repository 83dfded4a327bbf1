import assert from "node:assert/strict";
import { AppError, ForbiddenError, NotFoundError } from "../errors.ts";
import { CHUNK_SIZE, readFileRange } from "./chunks.ts";
import { deleteFile } from "./delete.ts";
import { type FileMeta, getFileRecord, listFiles } from "./records.ts";
import { storeFile } from "./store.ts";
import { getAreaUsage, UploadTooLargeError } from "./usage.ts";
import type { User } from "../accounts/mod.ts";
import { countKeys, PNG_HEAD, randomBytes, sha256Hex, withKv } from "../../tests/support/util.ts";

const MiB = 1024 * 1024;
const PROJECT_ID = "01PROJECTAAAAAAAAAAAAAAAAA";
const ada: User = { id: "01ADAAAAAAAAAAAAAAAAAAAAAA", username: "ada", displayName: "Ada" };
const bob: User = { id: "01BOBAAAAAAAAAAAAAAAAAAAAA", username: "bob", displayName: "Bob" };

/** Yields `bytes` in pieces of the given sizes, cycling (so chunk borders fall mid-piece). */
async function* inPieces(bytes: Uint8Array, sizes = [1000, 70000, 1, 65536, 4097]) {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    yield bytes.slice(offset, offset + size);
    offset += size;
    await Promise.resolve();
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function store(
  kv: Deno.Kv,
  body: AsyncIterable<Uint8Array>,
  options: {
    name?: string;
    uploader?: User;
    maxBytes?: number;
    quotaBytes?: number;
    userQuotaBytes?: number;
  } = {},
): Promise<FileMeta> {
  return storeFile(kv, { id: PROJECT_ID }, {
    uploader: options.uploader ?? ada,
    name: options.name ?? "data.bin",
    body,
    maxBytes: options.maxBytes ?? 25 * MiB,
    quotaBytes: options.quotaBytes ?? 1024 * MiB,
    userQuotaBytes: options.userQuotaBytes ?? 1024 * MiB,
  });
}

/** Asserts that nothing of a failed upload is visible or left behind in the store. */
async function assertNothingLeft(kv: Deno.Kv) {
  assert.deepEqual(await listFiles(kv, PROJECT_ID), []);
  assert.equal(await countKeys(kv, ["file_chunk"]), 0, "no chunks left");
  assert.equal(await countKeys(kv, ["file_upload"]), 0, "no upload marker left");
  assert.equal(await getAreaUsage(kv, PROJECT_ID), 0);
}

const ROUND_TRIP_SIZES: [string, number][] = [
  ["0 bytes", 0],
  ["1 byte", 1],
  ["exactly one chunk", CHUNK_SIZE],
  ["one chunk + 1 byte", CHUNK_SIZE + 1],
  ["3 MiB of random bytes", 3 * MiB],
];

for (const [label, size] of ROUND_TRIP_SIZES) {
  Deno.test(`storeFile() then readFileRange() round-trips ${label} with its SHA-256`, async () => {
    await withKv(async (kv) => {
      const bytes = randomBytes(size);
      const meta = await store(kv, inPieces(bytes));
      assert.equal(meta.size, size);
      assert.equal(meta.sha256, await sha256Hex(bytes));
      assert.equal(meta.projectId, PROJECT_ID);
      assert.equal(meta.name, "data.bin");
      assert.deepEqual(meta.uploadedBy, ada);

      const listed = await listFiles(kv, PROJECT_ID);
      assert.deepEqual(listed.map((f) => [f.id, f.size, f.sha256]), [
        [meta.id, size, meta.sha256],
      ]);
      assert.equal(
        await countKeys(kv, ["file_chunk", meta.id]),
        Math.ceil(size / CHUNK_SIZE),
        "one chunk per 64 KiB",
      );
      assert.equal(await countKeys(kv, ["file_upload"]), 0, "the upload marker is gone");
      assert.equal(await getAreaUsage(kv, PROJECT_ID), size);

      const record = await getFileRecord(kv, PROJECT_ID, meta.id);
      const read = await readAll(readFileRange(kv, record, { start: 0, end: size - 1 }));
      assert.equal(read.length, size);
      assert.ok(read.every((b, i) => b === bytes[i]), "the bytes read back are the bytes stored");
      assert.equal(await sha256Hex(read), meta.sha256);
    });
  });
}

Deno.test("storeFile() with one big piece stores the same chunks as many small ones", async () => {
  await withKv(async (kv) => {
    const bytes = randomBytes(5 * CHUNK_SIZE + 123);
    const whole = await store(kv, inPieces(bytes, [bytes.length]));
    const tiny = await store(kv, inPieces(bytes, [7, 13]));
    assert.equal(whole.sha256, tiny.sha256);
    for (const meta of [whole, tiny]) {
      const record = await getFileRecord(kv, PROJECT_ID, meta.id);
      assert.equal(record.chunks, 6);
      const last = await kv.get<Uint8Array>(["file_chunk", meta.id, 5]);
      assert.equal(last.value?.length, 123);
    }
  });
});

Deno.test("storeFile() detects the type from the bytes, not the name", async () => {
  await withKv(async (kv) => {
    const png = new Uint8Array([...PNG_HEAD, ...new Uint8Array(64)]);
    const image = await store(kv, inPieces(png), { name: "page.html" });
    assert.equal(image.contentType, "image/png");
    const text = await store(kv, inPieces(new TextEncoder().encode("héllo\n")), {
      name: "x.png",
    });
    assert.equal(text.contentType, "text/plain; charset=utf-8");
  });
});

Deno.test("storeFile() over maxBytes throws UploadTooLargeError and leaves nothing", async () => {
  await withKv(async (kv) => {
    let chunksMidStream = 0;
    async function* body() {
      yield* inPieces(randomBytes(1 * MiB));
      chunksMidStream = await countKeys(kv, ["file_chunk"]);
      yield* inPieces(randomBytes(1 * MiB));
    }
    await assert.rejects(store(kv, body(), { maxBytes: 1.5 * MiB }), (err) => {
      assert.ok(err instanceof UploadTooLargeError);
      assert.equal(err.status, 413);
      assert.equal(err.code, "file_too_large");
      return true;
    });
    assert.ok(chunksMidStream > 0, "chunks were written before the limit was hit");
    await assertNothingLeft(kv);
  });
});

Deno.test("storeFile() of exactly maxBytes is accepted", async () => {
  await withKv(async (kv) => {
    const meta = await store(kv, inPieces(randomBytes(100_000)), { maxBytes: 100_000 });
    assert.equal(meta.size, 100_000);
  });
});

Deno.test("storeFile() whose body fails mid-stream leaves no file, chunks or marker", async () => {
  await withKv(async (kv) => {
    let chunksMidStream = 0;
    let markersMidStream = 0;
    async function* body() {
      yield* inPieces(randomBytes(1 * MiB));
      chunksMidStream = await countKeys(kv, ["file_chunk"]);
      markersMidStream = await countKeys(kv, ["file_upload"]);
      throw new Error("the client went away");
    }
    await assert.rejects(store(kv, body()), /the client went away/);
    assert.ok(chunksMidStream > 0, "chunks were written before the failure");
    assert.equal(markersMidStream, 1, "the upload was marked while it ran");
    await assertNothingLeft(kv);
  });
});

Deno.test("storeFile() over the project's quota answers 413 quota_exceeded", async () => {
  await withKv(async (kv) => {
    const first = await store(kv, inPieces(randomBytes(60_000)), { quotaBytes: 100_000 });
    await assert.rejects(
      store(kv, inPieces(randomBytes(60_000)), { quotaBytes: 100_000 }),
      (err) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.status, 413);
        assert.equal(err.code, "quota_exceeded");
        return true;
      },
    );
    assert.deepEqual((await listFiles(kv, PROJECT_ID)).map((f) => f.id), [first.id]);
    assert.equal(await countKeys(kv, ["file_chunk"]), 1, "only the first file's chunk is left");
    assert.equal(await countKeys(kv, ["file_upload"]), 0);
    assert.equal(await getAreaUsage(kv, PROJECT_ID), 60_000);
    // What is left of the quota is still usable.
    await store(kv, inPieces(randomBytes(40_000)), { quotaBytes: 100_000 });
    assert.equal(await getAreaUsage(kv, PROJECT_ID), 100_000);
  });
});

Deno.test("readFileRange() reads ranges inside one chunk and across chunks", async () => {
  await withKv(async (kv) => {
    // 12 chunks and a bit: more than one batch of ten chunk reads.
    const bytes = randomBytes(12 * CHUNK_SIZE + 7);
    const meta = await store(kv, inPieces(bytes));
    const record = await getFileRecord(kv, PROJECT_ID, meta.id);
    const ranges: [string, number, number][] = [
      ["the first byte", 0, 0],
      ["inside the first chunk", 10, 19],
      ["inside a middle chunk", 3 * CHUNK_SIZE + 5, 3 * CHUNK_SIZE + 500],
      ["the last byte of a chunk", CHUNK_SIZE - 1, CHUNK_SIZE - 1],
      ["across one chunk border", CHUNK_SIZE - 5, CHUNK_SIZE + 4],
      ["across three chunks", 100, 2 * CHUNK_SIZE + 50],
      ["across the tenth-chunk batch border", 9 * CHUNK_SIZE + 1, 11 * CHUNK_SIZE + 3],
      ["the short last chunk", 12 * CHUNK_SIZE, 12 * CHUNK_SIZE + 6],
      ["the whole file", 0, bytes.length - 1],
    ];
    for (const [label, start, end] of ranges) {
      const read = await readAll(readFileRange(kv, record, { start, end }));
      assert.equal(read.length, end - start + 1, label);
      assert.deepEqual(read, bytes.slice(start, end + 1), label);
    }
  });
});

Deno.test("readFileRange() fails the stream when a chunk is missing", async () => {
  await withKv(async (kv) => {
    const meta = await store(kv, inPieces(randomBytes(3 * CHUNK_SIZE)));
    await kv.delete(["file_chunk", meta.id, 1]);
    const record = await getFileRecord(kv, PROJECT_ID, meta.id);
    await assert.rejects(
      readAll(readFileRange(kv, record, { start: 0, end: 3 * CHUNK_SIZE - 1 })),
      /chunk missing/,
    );
  });
});

Deno.test("deleteFile() removes the file and frees its chunks and usage", async () => {
  await withKv(async (kv) => {
    const keep = await store(kv, inPieces(randomBytes(CHUNK_SIZE + 10)));
    const gone = await store(kv, inPieces(randomBytes(3 * CHUNK_SIZE)));
    assert.equal(await getAreaUsage(kv, PROJECT_ID), 4 * CHUNK_SIZE + 10);

    await deleteFile(kv, PROJECT_ID, { fileId: gone.id, actorId: ada.id, manager: false });
    assert.deepEqual((await listFiles(kv, PROJECT_ID)).map((f) => f.id), [keep.id]);
    assert.equal(await countKeys(kv, ["file_chunk", gone.id]), 0);
    assert.equal(await countKeys(kv, ["file_chunk", keep.id]), 2, "the other file is untouched");
    assert.equal(await countKeys(kv, ["file_upload"]), 0);
    assert.equal(await getAreaUsage(kv, PROJECT_ID), CHUNK_SIZE + 10);
    await assert.rejects(getFileRecord(kv, PROJECT_ID, gone.id), NotFoundError);
    await assert.rejects(
      deleteFile(kv, PROJECT_ID, { fileId: gone.id, actorId: ada.id, manager: true }),
      NotFoundError,
    );
  });
});

Deno.test("deleteFile() by someone who neither uploaded it nor manages the area throws ForbiddenError", async () => {
  await withKv(async (kv) => {
    const meta = await store(kv, inPieces(randomBytes(1000)), { uploader: ada });
    await assert.rejects(
      deleteFile(kv, PROJECT_ID, { fileId: meta.id, actorId: bob.id, manager: false }),
      ForbiddenError,
    );
    assert.equal((await listFiles(kv, PROJECT_ID)).length, 1);
    assert.equal(await countKeys(kv, ["file_chunk", meta.id]), 1);
    assert.equal(await getAreaUsage(kv, PROJECT_ID), 1000);
  });
});

Deno.test("deleteFile() by a manager of the area (a project's owner or admin) who did not upload it succeeds", async () => {
  await withKv(async (kv) => {
    const meta = await store(kv, inPieces(randomBytes(1000)), { uploader: ada });
    await deleteFile(kv, PROJECT_ID, { fileId: meta.id, actorId: bob.id, manager: true });
    assert.deepEqual(await listFiles(kv, PROJECT_ID), []);
    assert.equal(await getAreaUsage(kv, PROJECT_ID), 0);
  });
});
