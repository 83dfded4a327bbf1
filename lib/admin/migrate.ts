/**
 * `deno task migrate`: one-off changes that bring a store written by an older Hearth up to
 * date. Each is idempotent (a second run changes nothing), so run it once, before a server
 * of this version starts on an older store.
 *
 * Search cursors: stores from before the search indexer (lib/search/indexer.ts) indexed each
 * message in its own commit and have no `search_cursor`. The indexer now reads a missing
 * cursor as 0 (nothing indexed), so such a store would be indexed a second time from its
 * first message; this sets each of their cursors to the conversation's last seq instead.
 * (The write path used to do this on every first send per conversation and process.)
 *
 * Search filters: stores indexed before filter postings (`from:`, `has:file`, `has:link`,
 * lib/search/index.ts's filterToken) hold only words for the messages indexed then; each
 * conversation's are added (addFilterPostings), and a marker (`migrationKey`) records that
 * the step ran to its end, so later runs skip it. Without the marker it is still idempotent
 * (a message's filter already held is left alone), so a run cut short just runs again.
 *
 * Push subscription counts: stores from before each person's count of push subscriptions
 * (lib/notify/push_counts.ts: the notifier reads the count, not the list) get every count set
 * from the subscriptions held, once (a marker; the notifier also does it before its first
 * round, so a server started without this step still pushes to everyone).
 *
 * User usage: stores from before the per-user upload quota (USER_QUOTA_BYTES) count no
 * user's files; each uploader's usage is set to the sum of their files.
 */
import type { ConversationHead } from "../conversations/mod.ts";
import { recountUserUsage } from "../files/mod.ts";
import { ensurePushCounts } from "../notify/mod.ts";
import { addFilterPostings } from "../search/mod.ts";
import {
  commitWithRetry,
  headKey,
  headsPrefix,
  migrationKey,
  openKv,
  searchCursorKey,
} from "../storage/mod.ts";

/** Sets the search cursor of every conversation that has messages and no cursor. */
export async function migrateSearchCursors(kv: Deno.Kv): Promise<{ set: number }> {
  let set = 0;
  for await (const entry of kv.list({ prefix: headsPrefix() })) {
    const conversationId = String(entry.key[1]);
    const done = await commitWithRetry(async () => {
      const [head, cursor] = await kv.getMany<[ConversationHead, number]>([
        headKey(conversationId),
        searchCursorKey(conversationId),
      ]);
      if (cursor.value !== null || !head.value?.seq) return false;
      // Both checked: a message an old server stores meanwhile makes this read again.
      const result = await kv.atomic().check(head, cursor)
        .set(searchCursorKey(conversationId), head.value.seq).commit();
      return result.ok ? true : null;
    });
    if (done) set++;
  }
  return { set };
}

/** The marker's name: the filter postings step has run to its end. */
export const FILTER_POSTINGS_MIGRATION = "search_filter_postings";

/**
 * Adds filter postings to every conversation indexed before them, once (see the top).
 * Run after migrateSearchCursors: a store from before the indexer gets its cursors first.
 */
export async function migrateFilterPostings(
  kv: Deno.Kv,
): Promise<{ skipped: boolean; conversations: number; added: number }> {
  const marker = migrationKey(FILTER_POSTINGS_MIGRATION);
  if ((await kv.get(marker)).value !== null) return { skipped: true, conversations: 0, added: 0 };
  let conversations = 0;
  let added = 0;
  for await (const entry of kv.list({ prefix: headsPrefix() })) {
    const step = await addFilterPostings(kv, String(entry.key[1]));
    if (step.added > 0) conversations++;
    added += step.added;
  }
  await kv.set(marker, new Date().toISOString());
  return { skipped: false, conversations, added };
}

if (import.meta.main) {
  // Loaded only when run as the task: the configuration is the program's, not this module's.
  const { loadConfig } = await import("../../config.ts");
  const kv = await openKv(loadConfig());
  try {
    const { set } = await migrateSearchCursors(kv);
    console.log(`Search cursors set: ${set}.`);
    const filters = await migrateFilterPostings(kv);
    console.log(
      filters.skipped
        ? "Search filter postings: added before (marker found)."
        : `Search filter postings: ${filters.added} added in ${filters.conversations} conversations.`,
    );
    const pushed = await ensurePushCounts(kv);
    console.log(
      pushed
        ? "Push subscription counts set."
        : "Push subscription counts: set before (marker found).",
    );
    const { users } = await recountUserUsage(kv);
    console.log(`Upload usage counted for ${users} users.`);
  } finally {
    kv.close();
  }
}
