/**
 * Blocks: a person who was pulled into conversations they did not want blocks who did it.
 * From then on the blocked person cannot start a conversation with them (direct or group),
 * add them to one, or add them to a project (issue 15, item 11). Kept per pair in KV
 * (`blockKey`), read in one getMany per creation.
 */
import { ForbiddenError } from "../errors.ts";
import { blockKey, blocksPrefix, getManyChunked, isId } from "../storage/mod.ts";

/** How many people one person may block (a list, not a store of its own). */
export const MAX_BLOCKS = 1000;

export async function blockUser(kv: Deno.Kv, blockerId: string, blockedId: string): Promise<void> {
  if (blockerId === blockedId) return;
  await kv.set(blockKey(blockerId, blockedId), { at: new Date().toISOString() });
}

export async function unblockUser(
  kv: Deno.Kv,
  blockerId: string,
  blockedId: string,
): Promise<void> {
  if (!isId(blockedId)) return;
  await kv.delete(blockKey(blockerId, blockedId));
}

/** The ids `blockerId` blocks, oldest block first by id order (at most MAX_BLOCKS). */
export async function listBlocked(kv: Deno.Kv, blockerId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: blocksPrefix(blockerId) }, { limit: MAX_BLOCKS })) {
    ids.push(String(e.key[2]));
  }
  return ids;
}

/** Of `userIds`, those who block `actorId`. */
export async function blockersOf(
  kv: Deno.Kv,
  actorId: string,
  userIds: string[],
): Promise<string[]> {
  const others = [...new Set(userIds)].filter((id) => id !== actorId);
  const entries = await getManyChunked<unknown>(kv, others.map((id) => blockKey(id, actorId)));
  return others.filter((_, i) => entries[i].value !== null);
}

/**
 * Throws ForbiddenError("blocked") when one of `users` blocks `actorId`, naming them in the
 * message (a block is not a secret from the one it stops).
 */
export async function requireNotBlocked(
  kv: Deno.Kv,
  actorId: string,
  users: { id: string; username: string }[],
): Promise<void> {
  const blocking = new Set(await blockersOf(kv, actorId, users.map((u) => u.id)));
  if (blocking.size === 0) return;
  const names = users.filter((u) => blocking.has(u.id)).map((u) => `@${u.username}`);
  throw new ForbiddenError(
    `${names.join(", ")} ${names.length === 1 ? "does" : "do"} not take conversations from you.`,
    "blocked",
  );
}
