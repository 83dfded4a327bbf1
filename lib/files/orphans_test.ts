/**
 * Upload chunks left behind: a marker names the boot (process) that wrote it, and a sweep
 * frees the chunks of every process that is gone, however young, and of none that lives.
 */
import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { CHUNK_SIZE, readFileRange } from "./chunks.ts";
import { BOOT_ID, LEASE_MS, renewBootLease, sweepOrphanChunks } from "./orphans.ts";
import { getFileRecord, listFiles } from "./records.ts";
import { storeFile } from "./store.ts";
import type { User } from "../accounts/mod.ts";
import { countKeys, randomBytes, withKv } from "../../tests/support/util.ts";

const AREA = "01PROJECTAAAAAAAAAAAAAAAAA";
const ada: User = { id: "01ADAAAAAAAAAAAAAAAAAAAAAA", username: "ada", displayName: "Ada" };
const DEAD_BOOT = "01DEADBOOTAAAAAAAAAAAAAAAA";
const LIVE_BOOT = "01LIVEBOOTAAAAAAAAAAAAAAAA";
const STALE_BOOT = "01STALEBOOTAAAAAAAAAAAAAAA";

/** An upload under way as a process writes it: its marker and `chunks` chunks. */
async function leaveUpload(
  kv: Deno.Kv,
  fileId: string,
  marker: { startedAt: string; bootId?: string },
  chunks = 3,
) {
  const op = kv.atomic().set(["file_upload", fileId], { projectId: AREA, ...marker });
  for (let i = 0; i < chunks; i++) op.set(["file_chunk", fileId, i], randomBytes(100));
  assert.ok((await op.commit()).ok);
}

const now = () => new Date().toISOString();
const anHourAgo = () => new Date(Date.now() - 60 * 60_000).toISOString();

Deno.test("a sweep frees at once what a process that is gone left, however young; a live process's uploads stay", async () => {
  await withKv(async (kv) => {
    await kv.set(["process_lease", LIVE_BOOT], { seenAt: Date.now() });
    await kv.set(["process_lease", STALE_BOOT], { seenAt: Date.now() - LEASE_MS - 1000 });
    await leaveUpload(kv, "01CRASHEDJUSTNOWAAAAAAAAAA", { startedAt: now(), bootId: DEAD_BOOT });
    await leaveUpload(kv, "01STALELEASEAAAAAAAAAAAAAA", { startedAt: now(), bootId: STALE_BOOT });
    await leaveUpload(kv, "01LONGUPLOADAAAAAAAAAAAAAA", {
      startedAt: anHourAgo(),
      bootId: LIVE_BOOT,
    });
    // This process's own marker with no upload running here (its upload died half-way).
    await leaveUpload(kv, "01MINEBUTGONEAAAAAAAAAAAAA", { startedAt: now(), bootId: BOOT_ID });
    // A deletion that stopped half-way (no boot: any sweep finishes it).
    await leaveUpload(kv, "01DELETIONAAAAAAAAAAAAAAAA", { startedAt: new Date(0).toISOString() });

    assert.equal(await sweepOrphanChunks(kv), 4);
    for (const id of ["01CRASHEDJUSTNOW", "01STALELEASE", "01MINEBUTGONE", "01DELETION"]) {
      const fileId = id.padEnd(26, "A");
      assert.equal(await countKeys(kv, ["file_chunk", fileId]), 0, `${id}'s chunks freed`);
      assert.equal((await kv.get(["file_upload", fileId])).value, null, `${id}'s marker gone`);
    }
    assert.equal(
      await countKeys(kv, ["file_chunk", "01LONGUPLOADAAAAAAAAAAAAAA"]),
      3,
      "an hour-long upload of a live process stays",
    );
  });
});

Deno.test("a sweep leaves an upload running in this process alone, and the file arrives whole", async () => {
  await withKv(async (kv) => {
    await renewBootLease(kv);
    const bytes = randomBytes(25 * CHUNK_SIZE + 17);
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    let reachedPause!: () => void;
    const atPause = new Promise<void>((r) => (reachedPause = r));
    async function* body() {
      yield bytes.subarray(0, 12 * CHUNK_SIZE);
      reachedPause();
      await paused;
      yield bytes.subarray(12 * CHUNK_SIZE);
    }
    const stored = storeFile(kv, { id: AREA }, {
      uploader: ada,
      name: "big.bin",
      body: body(),
      maxBytes: 1 << 30,
      quotaBytes: 1 << 30,
      userQuotaBytes: 1 << 30,
    });
    await atPause;
    await new Promise((r) => setTimeout(r, 50)); // the first batch's commit lands
    assert.equal(await sweepOrphanChunks(kv), 0);
    release();
    const meta = await stored;
    const record = await getFileRecord(kv, AREA, meta.id);
    const read = readFileRange(kv, record, { start: 0, end: bytes.length - 1 });
    assert.deepEqual(new Uint8Array(await new Response(read).arrayBuffer()), bytes);
    assert.equal(await countKeys(kv, ["file_upload"]), 0);
  });
});

Deno.test("an upload whose marker a sweep took cannot become a file with missing chunks", async () => {
  await withKv(async (kv) => {
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    let id = "";
    async function* body() {
      yield randomBytes(2 * CHUNK_SIZE);
      for await (const e of kv.list({ prefix: ["file_upload"] })) id = String(e.key[1]);
      await paused;
    }
    const stored = storeFile(kv, { id: AREA }, {
      uploader: ada,
      name: "x.bin",
      body: body(),
      maxBytes: 1 << 30,
      quotaBytes: 1 << 30,
      userQuotaBytes: 1 << 30,
    });
    while (!id) await new Promise((r) => setTimeout(r, 5));
    await kv.delete(["file_upload", id]); // as a sweep that judged it dead would
    release();
    await assert.rejects(stored, (e) => e instanceof AppError && e.code === "upload_lost");
    assert.deepEqual(await listFiles(kv, AREA), []);
    assert.equal(await countKeys(kv, ["file_chunk"]), 0);
  });
});
