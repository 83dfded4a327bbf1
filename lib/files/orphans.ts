import { ulid } from "ulid";
import { deleteChunks } from "./chunks.ts";
import { bootKey, uploadKey, uploadsPrefix } from "../storage/mod.ts";
import { describeError, log } from "../ops/mod.ts";

/**
 * The value under `uploadKey(fileId)`: present while a file's chunks are owned by no committed
 * record (during an upload, and during a deletion), so one left behind by a crash marks
 * chunks to sweep. `projectId` names the area (the field predates conversation areas, and
 * backups carry it as is). `bootId` names the process running the upload (absent on a
 * deletion's marker and on markers from before boot ids).
 */
export type UploadMarker = { projectId: string; startedAt: string; bootId?: string };

/**
 * This isolate's boot: a new id each start, so what an earlier (crashed) process left
 * behind is told apart from what a live one is doing, whatever its age.
 */
export const BOOT_ID = ulid();

/** How often a running process renews its lease (and sweeps). */
export const LEASE_RENEW_MS = 3_000;
/** A lease not renewed for this long belongs to a process that is gone (kill -9, power cut). */
export const LEASE_MS = 12_000;

/** How long the start waits for the store's first write. */
const FIRST_WRITE_WAIT_MS = 10_000;

/** The uploads running in this isolate now (their markers are not orphans). */
const running = new Set<string>();

/** Marks an upload as running here until `ended()`; returns its marker. */
export function uploadStarted(
  fileId: string,
  areaId: string,
): { marker: UploadMarker; ended: () => void } {
  running.add(fileId);
  return {
    marker: { projectId: areaId, startedAt: new Date().toISOString(), bootId: BOOT_ID },
    ended: () => void running.delete(fileId),
  };
}

/** A deletion's marker: no boot, so any sweep frees its chunks (both sides only delete). */
export function deletionMarker(areaId: string): UploadMarker {
  return { projectId: areaId, startedAt: new Date(0).toISOString() };
}

type Lease = { seenAt: number };

/** Says this process is alive (and that the store takes writes: the first one at start). */
export async function renewBootLease(kv: Deno.Kv): Promise<void> {
  await kv.set(bootKey(BOOT_ID), { seenAt: Date.now() } satisfies Lease, {
    expireIn: LEASE_MS * 10,
  });
}

/** Ends this process's lease at a clean shutdown, so the next start sweeps at once. */
export async function endBootLease(kv: Deno.Kv): Promise<void> {
  await kv.delete(bootKey(BOOT_ID));
}

/**
 * Frees the chunks of uploads whose process is gone (a crash mid-upload: its boot has no
 * fresh lease), of uploads of this process that no longer run, and of deletions that stopped
 * half-way. An upload of a live process is left alone however long it has been running.
 * Returns how many were swept.
 */
export async function sweepOrphanChunks(kv: Deno.Kv): Promise<number> {
  const alive = new Map<string, boolean>();
  const isAlive = async (bootId: string) => {
    if (!alive.has(bootId)) {
      const lease = (await kv.get<Lease>(bootKey(bootId))).value;
      alive.set(bootId, !!lease && Date.now() - lease.seenAt < LEASE_MS);
    }
    return alive.get(bootId)!;
  };
  let swept = 0;
  for await (const e of kv.list<UploadMarker>({ prefix: uploadsPrefix() })) {
    const fileId = String(e.key[1]);
    const { bootId } = e.value;
    if (bootId === BOOT_ID ? running.has(fileId) : bootId && await isAlive(bootId)) continue;
    // Read again: an upload of this process may have committed (and dropped its marker) since
    // the listing; its chunks are a file's now.
    const now = await kv.get<UploadMarker>(uploadKey(fileId));
    if (!now.value || now.versionstamp !== e.versionstamp) continue;
    if (bootId === BOOT_ID && running.has(fileId)) continue;
    await deleteChunks(kv, fileId);
    await kv.atomic().check(now).delete(uploadKey(fileId)).commit();
    swept++;
  }
  return swept;
}

/**
 * Keeps this process's lease and sweeps: now (what earlier processes left), then every few
 * seconds (what a process that died meanwhile left, once its lease is stale). The first
 * lease is written before this returns: it throws when the store takes no writes (a store
 * that does not answer within 10 s is waited for no longer). Returns a stop function that
 * ends the lease.
 */
export async function keepBootLease(kv: Deno.Kv): Promise<() => Promise<void>> {
  // A remote store retries a failed write without end: after a while, serve anyway (the
  // local store's full disk or read-only file fails at once, and stops the start).
  let waited: ReturnType<typeof setTimeout> | undefined;
  const slow = await Promise.race([
    renewBootLease(kv).then(() => false),
    new Promise<boolean>((r) => waited = setTimeout(() => r(true), FIRST_WRITE_WAIT_MS)),
  ]).finally(() => clearTimeout(waited));
  if (slow) log("warn", "the store has not taken a write yet; serving anyway");
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await renewBootLease(kv);
      const n = await sweepOrphanChunks(kv);
      if (n) log("info", "swept orphaned upload chunks", { uploads: n });
    } catch (err) {
      log("warn", "upload lease or sweep failed", describeError(err));
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, LEASE_RENEW_MS);
  Deno.unrefTimer(timer);
  void tick();
  return async () => {
    clearInterval(timer);
    await endBootLease(kv).catch(() => {});
  };
}
