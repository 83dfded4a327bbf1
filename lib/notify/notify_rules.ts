/**
 * One conversation's turn in the notifier (dispatch.ts): who hears of its new messages, and
 * the commit that queues it. Recipient rule, per message and person: participants but the
 * author and bots; muted or `nothing` → none; do-not-disturb on → none; `mentions` → only a
 * message that mentions them (`@username`, as the in-tab notification counts it); `all` →
 * every message; a person whose read mark has reached the message (a visible tab read it) →
 * none. System and deleted messages notify no one. With email on, a mention or a direct
 * message for a person with a confirmed address is also kept as a missed entry, and their
 * digest job is queued (once: the job's id is their id) after the delay.
 */
import { getUsersByIds, type User } from "../accounts/mod.ts";
import { getConversationRecord } from "../conversations/mod.ts";
import type { ConversationRecord } from "../conversations/mod.ts";
import { formatMessage, type MessageRecord } from "../messages/mod.ts";
import { enqueue } from "../outbound/mod.ts";
import { mentionsIn } from "../shared/mentions.ts";
import { wantsNotice } from "../shared/notify_prefs.ts";
import { plainText } from "../shared/plain_text.ts";
import {
  getManyChunked,
  headKey,
  messageKey,
  missedKey,
  notifyCursorKey,
  notifyPendingKey,
  outboxJobKey,
  readMarkKey,
} from "../storage/mod.ts";
import { getDnd, getNotifyPrefs } from "./prefs.ts";
import { listSubscriptions, pushSubscriptionCounts } from "./push.ts";
import { PUSH_QUEUE, type PushJob, type PushNotification } from "./push_send.ts";

export const DIGEST_QUEUE = "mail_digest";

/** Each person's confirmed address (null: none, or email notifications off), in order. */
export type ConfirmedEmails = (kv: Deno.Kv, userIds: string[]) => Promise<(string | null)[]>;

export type NotifyOptions = {
  now: number;
  graceMs: number;
  email: { confirmedEmails: ConfirmedEmails; delayMs: number } | null;
  /** Mutations per commit (default 800, within KV's 1,000); tests make it small. */
  maxMutations?: number;
};

/** Where the notifier is: every message up to `seq` is done; of `seq + 1`, people up to `after`. */
type Cursor = { seq: number; after?: string };

/** Messages read per round of one conversation. */
const MESSAGE_BATCH = 100;
/** A message older than this when the notifier first sees it is not pushed (after downtime). */
const MAX_AGE_MS = 60 * 60_000;
/** Mutations and checks per commit, within KV's 1,000 and 100. */
const MAX_MUTATIONS = 800;
const MAX_CHECKS = 90;
const BODY_CHARS = 200;

/**
 * Looks at a pending conversation's new messages and queues what they call for. Returns how
 * many push and digest jobs it queued.
 */
export async function notifyConversation(
  kv: Deno.Kv,
  conversationId: string,
  options: NotifyOptions,
): Promise<{ pushes: number; digests: number }> {
  const total = { pushes: 0, digests: 0 };
  for (let round = 0; round < 50; round++) {
    // The marker first, then the head: a message stored after this read moves the marker.
    const pending = await kv.get(notifyPendingKey(conversationId));
    if (pending.versionstamp === null) return total;
    const [cursorEntry, headEntry] = await kv.getMany<[Cursor, { seq: number }]>([
      notifyCursorKey(conversationId),
      headKey(conversationId),
    ]);
    const record = await getConversationRecord(kv, conversationId);
    const headSeq = headEntry.value?.seq ?? 0;
    if (!record) {
      // Deleted: nothing to tell anyone.
      await kv.atomic().check(pending).delete(pending.key).delete(cursorEntry.key).commit();
      return total;
    }
    // A conversation seen for the first time: its last messages at most (and MAX_AGE_MS).
    const cursor: Cursor = cursorEntry.value ?? { seq: Math.max(0, headSeq - MESSAGE_BATCH) };
    if (cursor.seq >= headSeq) {
      await kv.atomic().check(pending).delete(pending.key).commit();
      return total;
    }
    const step = await notifyStep(kv, record, cursor, cursorEntry, headSeq, options);
    if (step === "conflict") continue;
    if (step === "waiting") return total;
    total.pushes += step.pushes;
    total.digests += step.digests;
    if (step.cursor.seq >= headSeq && !step.cursor.after) {
      // All seen: the marker goes unless a message came meanwhile (it moved: checked).
      await kv.atomic().check(pending).delete(pending.key).commit();
      return total;
    }
  }
  return total;
}

type StepResult = "conflict" | "waiting" | { cursor: Cursor; pushes: number; digests: number };

/** One checked commit's worth: the ready messages after the cursor, as far as the budget goes. */
async function notifyStep(
  kv: Deno.Kv,
  record: ConversationRecord,
  cursor: Cursor,
  cursorEntry: Deno.KvEntryMaybe<Cursor>,
  headSeq: number,
  options: NotifyOptions,
): Promise<StepResult> {
  const id = record.id;
  const participants = [...new Set(record.participantIds)].sort();
  // Who could be told anything at all: someone with a push subscription, or (email on) a
  // confirmed address. Read first, in one getMany per ten people: most people in a busy
  // room have neither, and nothing else is read about them.
  const [counts, allEmails] = await Promise.all([
    pushSubscriptionCounts(kv, participants),
    options.email ? options.email.confirmedEmails(kv, participants) : participants.map(() => null),
  ]);
  const addressed = participants.filter((_, i) => counts[i] > 0 || allEmails[i] !== null);
  if (addressed.length === 0) {
    // No one to tell of any message up to the head read before these counts: a subscription
    // or an address that comes later comes after those messages were stored.
    const next: Cursor = { seq: headSeq };
    const res = await kv.atomic().check(cursorEntry).set(notifyCursorKey(id), next).commit();
    return res.ok ? { cursor: next, pushes: 0, digests: 0 } : "conflict";
  }
  const subCount = new Map(participants.map((u, i) => [u, counts[i]]));
  const emailOf = new Map(participants.map((u, i) => [u, allEmails[i]]));

  const last = Math.min(headSeq, cursor.seq + MESSAGE_BATCH);
  const seqs = Array.from({ length: last - cursor.seq }, (_, i) => cursor.seq + 1 + i);
  const entries = await getManyChunked<MessageRecord>(kv, seqs.map((s) => messageKey(id, s)));
  const ready: (MessageRecord | null)[] = [];
  for (const e of entries) {
    if (e.value && Date.parse(e.value.createdAt) > options.now - options.graceMs) break;
    ready.push(e.value);
  }
  if (ready.length === 0) return "waiting";

  // Their settings next: someone muted or at `nothing`, or at `mentions` when none of these
  // messages mentions anyone, wants notice of none of them (wantsNotice), and is read no
  // further.
  const settings = await getNotifyPrefs(kv, addressed, record);
  const anyMention = ready.some((m) => m !== null && mentionsIn(m.content).length > 0);
  const keep = settings.map((p) =>
    !p.muted && p.level !== "nothing" && (p.level === "all" || anyMention)
  );
  const reachable = addressed.filter((_, i) => keep[i]);
  const prefs = settings.filter((_, i) => keep[i]);
  const emails = reachable.map((u) => emailOf.get(u) ?? null);

  // Nobody left: the cursor moves past these messages with nothing more read.
  const authorIds = reachable.length === 0
    ? []
    : [...new Set(ready.flatMap((m) => (m ? [m.authorId] : [])))];
  // An untitled group's push names its people: then everyone's names are read.
  const named = reachable.length === 0
    ? []
    : record.kind === "group" && !record.title
    ? participants
    : reachable;
  const [people, dnd, marks] = await Promise.all([
    getUsersByIds(kv, [...new Set([...named, ...authorIds])]),
    getDnd(kv, reachable, options.now),
    getManyChunked<number>(kv, reachable.map((u) => readMarkKey(id, u))),
  ]);
  const byId = new Map(people.map((u) => [u.id, u]));
  const index = new Map(reachable.map((u, i) => [u, i]));
  const subs = new Map<string, { hash: string }[]>();
  const digestEntries = new Map<string, Deno.KvEntryMaybe<number>>();

  const op = kv.atomic().check(cursorEntry);
  let mutations = 1;
  let checks = 1;
  let pushes = 0;
  let digests = 0;
  let next: Cursor = cursor;
  const queuedDigest = new Set<string>();
  const checkedDigest = new Set<string>();
  outer: for (const [k, m] of ready.entries()) {
    const seq = cursor.seq + 1 + k;
    const after = k === 0 ? cursor.after : undefined;
    const stale = m && Date.parse(m.createdAt) < options.now - MAX_AGE_MS;
    if (!m || m.kind === "system" || m.deletedAt || stale) {
      next = { seq };
      continue;
    }
    const mentioned = new Set(mentionsIn(m.content));
    // Rendered once, and only for a message someone is pushed about: most notify nobody.
    let notification: PushNotification | undefined;
    const direct = record.kind === "direct";
    for (const userId of reachable) {
      if (after && userId <= after) continue;
      const i = index.get(userId)!;
      const person = byId.get(userId);
      if (!person || person.isBot || userId === m.authorId) continue;
      if ((marks[i].value ?? 0) >= m.seq) continue; // a visible tab read it
      const isMention = mentioned.has(person.username.toLowerCase());
      // The rule the in-tab notification follows too (level, mute, do-not-disturb).
      if (!wantsNotice(prefs[i], isMention, dnd[i], options.now)) continue;
      if (!subs.has(userId)) {
        subs.set(userId, subCount.get(userId) ? await listSubscriptions(kv, userId) : []);
      }
      const mine = subs.get(userId)!;
      const email = emails[i] && (isMention || direct) ? emails[i] : null;
      if (email && !digestEntries.has(userId)) {
        digestEntries.set(userId, await kv.get<number>(outboxJobKey(DIGEST_QUEUE, userId)));
      }
      const digestEntry = email ? digestEntries.get(userId)! : null;
      const needsDigest = digestEntry !== null && digestEntry.versionstamp === null &&
        !queuedDigest.has(userId);
      const cost = 2 * mine.length + (email ? 1 : 0) + (needsDigest ? 2 : 0);
      const checkCost = digestEntry && !checkedDigest.has(userId) ? 1 : 0;
      if (
        mutations + cost > (options.maxMutations ?? MAX_MUTATIONS) ||
        checks + checkCost > MAX_CHECKS
      ) break outer;
      for (const sub of mine) {
        notification ??= notificationOf(record, m, byId.get(m.authorId), byId);
        const job: PushJob = {
          userId,
          sub: sub.hash,
          notification,
          urgency: isMention || direct ? "high" : "normal",
        };
        enqueue(op, PUSH_QUEUE, job);
        pushes++;
      }
      if (digestEntry) {
        op.set(missedKey(userId, id, m.seq), { at: m.createdAt });
        if (!checkedDigest.has(userId)) {
          // The digest job as read: one that started or ended meanwhile makes this retry.
          op.check(digestEntry);
          checkedDigest.add(userId);
          checks++;
        }
        if (needsDigest) {
          enqueue(op, DIGEST_QUEUE, { userId }, { id: userId, delayMs: options.email!.delayMs });
          queuedDigest.add(userId);
          digests++;
        }
      }
      mutations += cost;
      next = { seq: seq - 1, after: userId };
    }
    next = { seq };
  }
  if (next === cursor) return "waiting";
  op.set(notifyCursorKey(id), next);
  const res = await op.commit();
  if (!res.ok) return "conflict";
  return { cursor: next, pushes, digests };
}

/** What a message's push says: who (and where), the text, the address a click opens. */
export function notificationOf(
  record: ConversationRecord,
  m: MessageRecord,
  author: User | undefined,
  people: Map<string, User>,
): PushNotification {
  const name = m.senderName || author?.displayName || "Someone";
  const where = record.kind === "direct"
    ? null
    : record.kind === "channel"
    ? `#${record.title ?? "channel"}`
    : record.title ?? groupName(record, m.authorId, people);
  let body = plainText(m.content, formatMessage(m.content));
  if (!body && m.attachments?.length) {
    body = m.attachments.length === 1
      ? `sent ${m.attachments[0].name}`
      : `sent ${m.attachments.length} files`;
  }
  if (body.length > BODY_CHARS) body = body.slice(0, BODY_CHARS - 1).trimEnd() + "…";
  const thread = m.parentSeq !== undefined && m.parentSeq !== null;
  return {
    title: where ? `${name} in ${where}` : name,
    body,
    url: `/conversations/${record.id}${thread ? `?thread=${m.parentSeq}` : ""}`,
    tag: `conv-${record.id}`,
  };
}

function groupName(record: ConversationRecord, authorId: string, people: Map<string, User>) {
  const names = record.participantIds.filter((u) => u !== authorId)
    .map((u) => people.get(u)?.displayName).filter(Boolean).slice(0, 3);
  return names.length ? names.join(", ") : "a group";
}
