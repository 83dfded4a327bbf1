import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { deleteAreaFiles, deleteFile } from "./delete.ts";
import { storeFile } from "./store.ts";
import { getAreaUsage, getUserUsage, recountUserUsage } from "./usage.ts";
import type { User } from "../accounts/mod.ts";

const ada: User = { id: "01ADAAAAAAAAAAAAAAAAAAAAAA", username: "ada", displayName: "Ada" };
const A = "01AREAAAAAAAAAAAAAAAAAAAAA";
const B = "01AREABBBBBBBBBBBBBBBBBBBB";

async function* bytes(n: number) {
  yield new Uint8Array(n);
}

const put = (kv: Deno.Kv, area: string, n: number) =>
  storeFile(kv, { id: area }, {
    uploader: ada,
    name: "f.bin",
    body: bytes(n),
    maxBytes: 1 << 20,
    quotaBytes: 1 << 20,
    userQuotaBytes: 1000,
  });

Deno.test("the per-user quota counts a user's files in every area; deletions give it back", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const one = await put(kv, A, 600);
    await assert.rejects(
      put(kv, B, 600),
      (e) => e instanceof AppError && e.status === 413 && e.code === "quota_exceeded",
    );
    assert.equal(await getUserUsage(kv, ada.id), 600);
    assert.equal(await getAreaUsage(kv, B), 0);
    await put(kv, B, 400);
    assert.equal(await getUserUsage(kv, ada.id), 1000);
    await deleteFile(kv, A, { fileId: one.id, actorId: ada.id, manager: false });
    assert.equal(await getUserUsage(kv, ada.id), 400);
    await deleteAreaFiles(kv, B); // a deleted project
    assert.equal(await getUserUsage(kv, ada.id), 0);
  } finally {
    kv.close();
  }
});

Deno.test("recountUserUsage() (deno task migrate) counts the files of a store from before the per-user quota", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await put(kv, A, 300);
    await put(kv, B, 200);
    await kv.delete(["user_usage", ada.id]); // as an older store has it
    assert.equal(await getUserUsage(kv, ada.id), 0);
    assert.deepEqual(await recountUserUsage(kv), { users: 1 });
    assert.equal(await getUserUsage(kv, ada.id), 500);
    await recountUserUsage(kv);
    assert.equal(await getUserUsage(kv, ada.id), 500, "a second run changes nothing");
  } finally {
    kv.close();
  }
});
