/**
 * Where a search looks (issue 20): the searcher's conversations (only those they take part in
 * now: their membership rows), narrowed by `in:`, and whose messages, by `from:`. Names are
 * resolved here, among what the searcher may see; a name that matches nothing is a 400 with
 * a sentence saying so (never a quiet empty answer, never a hint about others' conversations).
 */
import { ValidationError } from "../errors.ts";
import { conversationKey, getManyChunked, membershipsPrefix } from "../storage/mod.ts";
import type { ConversationRecord } from "../conversations/mod.ts";
import { getUsersByUsernames } from "../accounts/mod.ts";
import { foldName, type InTarget, type ParsedQuery } from "./parse.ts";

function refuse(sentence: string): never {
  throw new ValidationError(sentence, { q: sentence });
}

/** The ids of the people `from:` names ("me": the searcher); null when it names none. */
export async function resolveFrom(
  kv: Deno.Kv,
  userId: string,
  parsed: ParsedQuery,
): Promise<Set<string> | null> {
  if (parsed.from.length === 0) return null;
  const names = parsed.from.filter((n) => n !== "me");
  const users = await getUsersByUsernames(kv, names);
  const found = new Map(users.map((u) => [u.username.toLowerCase(), u.id]));
  const ids = new Set<string>(parsed.from.includes("me") ? [userId] : []);
  for (const name of names) {
    const id = found.get(name);
    if (!id) refuse(`Nobody is called @${name}`);
    ids.add(id);
  }
  return ids;
}

/**
 * The conversations the searcher takes part in now, newest first (ids are ULIDs), at most
 * `max` of them (each a read).
 */
export async function listConversations(
  kv: Deno.Kv,
  userId: string,
  max: number,
): Promise<string[]> {
  const ids: string[] = [];
  for await (
    const e of kv.list({ prefix: membershipsPrefix(userId) }, {
      reverse: true,
      limit: Math.max(1, max),
      batchSize: 500,
    })
  ) ids.push(String(e.key[2]));
  return ids;
}

/**
 * Of `ids` (the searcher's conversations), those `in:` names (any of them), newest first.
 * Reads their records (as many reads as ids). Throws for a target that matches none.
 */
export async function resolveIn(
  kv: Deno.Kv,
  userId: string,
  targets: InTarget[],
  ids: string[],
): Promise<string[]> {
  const records = (await getManyChunked<ConversationRecord>(kv, ids.map(conversationKey)))
    .flatMap((e) => e.value && e.value.participantIds.includes(userId) ? [e.value] : []);
  const people = targets.flatMap((t) => t.kind === "person" ? [t.username] : []);
  const users = people.length ? await getUsersByUsernames(kv, people) : [];
  const byName = new Map(users.map((u) => [u.username.toLowerCase(), u.id]));
  const chosen = new Set<string>();
  for (const target of targets) {
    let matches: ConversationRecord[];
    if (target.kind === "person") {
      const other = byName.get(target.username);
      if (!other) refuse(`Nobody is called @${target.username}`);
      matches = records.filter((r) =>
        r.kind === "direct" && r.participantIds.includes(other) &&
        r.participantIds.every((p) => p === other || p === userId)
      );
      if (matches.length === 0) refuse(`You have no direct conversation with @${target.username}`);
    } else {
      const name = foldName(target.kind === "channel" ? target.name : target.title);
      matches = records.filter((r) =>
        r.title !== null && foldName(r.title) === name &&
        (target.kind !== "channel" || r.kind === "channel")
      );
      if (matches.length === 0) {
        const shown = target.kind === "channel" ? `#${target.name}` : target.title;
        refuse(`You take part in no conversation called “${shown}”`);
      }
    }
    for (const r of matches) chosen.add(r.id);
  }
  return ids.filter((id) => chosen.has(id));
}
