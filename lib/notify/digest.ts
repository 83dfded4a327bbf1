/**
 * The missed-messages email: one per person per delay window. The notifier (dispatch.ts)
 * keeps each mention or direct message a person with a confirmed address did not read as a
 * missed entry and queues their "mail_digest" job (id: their user id) after
 * EMAIL_DELAY_MINUTES. The job (`digestHandler`) keeps the entries still worth telling (still
 * unread, still a participant, not muted or set to nothing since), sends ONE email listing
 * them, with links and an unsubscribe link, and deletes the entries in the commit that queues
 * that mail. The same queue runs password-reset requests (lib/accounts/reset.ts): its worker
 * is the mail worker that has the store.
 */
import type { Config } from "../../config.ts";
import {
  type EmailRecord,
  getEmailRecord,
  getSiteSettings,
  linkBase,
  RESET_JOB_PREFIX,
  type ResetRequest,
  runResetRequest,
  unsubscribeToken,
} from "../accounts/mod.ts";
import { type Job, type Mail, type Outcome, queueMail } from "../outbound/mod.ts";
import { getConversationForUser, getMessagesBySeq, type Message } from "../messages/mod.ts";
import { NotFoundError } from "../errors.ts";
import { getManyChunked, missedPrefix, readMarkKey } from "../storage/mod.ts";
import { plainText } from "../shared/plain_text.ts";
import { getDnd, getNotifyPrefs } from "./prefs.ts";

/** A person's digest job: `{userId}` (its id is the user id too). */
export type DigestJob = { userId: string };

/** Entries read per run (the rest wait for the next window). */
const MAX_ENTRIES = 200;
/** Messages an email lists; the rest are counted. */
const MAX_LISTED = 30;

type Missed = { key: Deno.KvKey; conversationId: string; seq: number };

/** One conversation's part of the email. */
type Section = { id: string; name: string; messages: Message[] };

/** The "mail_digest" queue's handler: digests, and reset requests (reset.ts). */
export function digestHandler(
  kv: Deno.Kv,
  config: Config,
): (job: Job<unknown>) => Promise<Outcome> {
  return async (job) => {
    const payload = job.payload as Partial<DigestJob & ResetRequest> | null;
    const siteName = (await getSiteSettings(kv, config)).name;
    if (payload?.reset || job.id.startsWith(RESET_JOB_PREFIX)) {
      if (payload?.reset) {
        await runResetRequest(kv, payload as ResetRequest, {
          publicUrl: config.publicUrl,
          siteName,
          rateLimitScale: config.rateLimitScale,
        });
      }
      return "done";
    }
    return await sendDigest(kv, payload?.userId ?? job.id, {
      publicUrl: config.publicUrl,
      siteName,
      delayMs: config.email?.delayMs ?? 0,
    });
  };
}

async function listMissed(kv: Deno.Kv, userId: string, limit: number): Promise<Missed[]> {
  const found: Missed[] = [];
  for await (const e of kv.list({ prefix: missedPrefix(userId) }, { limit })) {
    found.push({ key: e.key, conversationId: String(e.key[2]), seq: Number(e.key[3]) });
  }
  return found;
}

async function sendDigest(
  kv: Deno.Kv,
  userId: string,
  options: { publicUrl?: string; siteName: string; delayMs: number },
): Promise<Outcome> {
  const missed = await listMissed(kv, userId, MAX_ENTRIES);
  if (missed.length === 0) return "done";
  const [email, [dnd]] = await Promise.all([getEmailRecord(kv, userId), getDnd(kv, [userId])]);
  if (email?.confirmedAt && !email.unsubscribed && dnd !== null) {
    // Do not disturb: the mail waits until it ends (the entries wait with it).
    return { retryInMs: Math.max(1000, dnd - Date.now()), reason: "do not disturb" };
  }
  const sections = email?.confirmedAt && !email.unsubscribed
    ? await stillMissed(kv, userId, missed)
    : [];
  const op = kv.atomic();
  for (const m of missed) op.delete(m.key);
  if (sections.length > 0) {
    queueMail(op, digestMail(userId, email!, sections, options));
  }
  await op.commit();
  // More came while this ran (the job was held, so none was queued for them): again later.
  if ((await listMissed(kv, userId, 1)).length > 0) {
    return { retryInMs: Math.max(1000, options.delayMs), reason: "more missed messages" };
  }
  return "done";
}

/** The entries still worth an email, by conversation, oldest first. */
async function stillMissed(kv: Deno.Kv, userId: string, missed: Missed[]): Promise<Section[]> {
  const bySeqs = new Map<string, number[]>();
  for (const m of missed) {
    bySeqs.set(m.conversationId, [...bySeqs.get(m.conversationId) ?? [], m.seq]);
  }
  const ids = [...bySeqs.keys()];
  const marks = await getManyChunked<number>(kv, ids.map((id) => readMarkKey(id, userId)));
  const sections: Section[] = [];
  for (const [i, id] of ids.entries()) {
    const conversation = await getConversationForUser(kv, id, userId).catch((err) => {
      if (err instanceof NotFoundError) return null; // no longer theirs
      throw err;
    });
    if (!conversation) continue;
    const [pref] = await getNotifyPrefs(kv, [userId], conversation);
    if (pref.muted || pref.level === "nothing") continue;
    const read = marks[i].value ?? 0;
    const seqs = bySeqs.get(id)!.filter((seq) => seq > read);
    if (seqs.length === 0) continue;
    const messages = (await getMessagesBySeq(kv, id, seqs)).filter((m) =>
      !m.deletedAt && m.kind !== "system"
    );
    if (messages.length === 0) continue;
    sections.push({ id, name: conversationName(conversation, userId), messages });
  }
  return sections;
}

/** As the sidebar names it: its title, or the other people in it. */
function conversationName(
  conv: { title: string | null; kind: string; participants: { id: string; displayName: string }[] },
  meId: string,
): string {
  if (conv.title) return conv.kind === "channel" ? `#${conv.title}` : conv.title;
  const others = conv.participants.filter((p) => p.id !== meId).map((p) => p.displayName);
  return others.length ? others.join(", ") : "Just you";
}

function linkTo(base: string, conversationId: string, m: Message): string {
  const thread = m.parentSeq ? `?thread=${m.parentSeq}` : "";
  return `${base}/conversations/${encodeURIComponent(conversationId)}${thread}`;
}

function snippet(m: Message): string {
  const text = plainText(m.content, m.formatted);
  const shown = text || (m.attachments.length ? `(${m.attachments.length} file(s))` : "");
  return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function digestMail(
  userId: string,
  email: EmailRecord,
  sections: Section[],
  options: { publicUrl?: string; siteName: string },
): Mail {
  const base = linkBase(options.publicUrl, email);
  const unsubscribe = `${base}/email/unsubscribe/${unsubscribeToken(userId, email)}`;
  const total = sections.reduce((n, s) => n + s.messages.length, 0);
  const site = options.siteName;
  const summary = `${total} unread message${total === 1 ? "" : "s"}`;
  const subject = `${summary} for you on ${site}`;
  const text: string[] = [`You have ${summary} on ${site}:`, ""];
  const html: string[] = [`<p>You have ${summary} on ${escapeHtml(site)}:</p>`];
  let listed = 0;
  for (const section of sections) {
    const shown = section.messages.slice(0, Math.max(0, MAX_LISTED - listed));
    listed += shown.length;
    if (shown.length === 0) break;
    const href = `${base}/conversations/${encodeURIComponent(section.id)}`;
    text.push(`${section.name} (${href})`);
    html.push(`<h3><a href="${escapeHtml(href)}">${escapeHtml(section.name)}</a></h3><ul>`);
    for (const m of shown) {
      const who = m.senderName || m.author.displayName;
      const line = snippet(m);
      text.push(`  ${who}: ${line}`, `  ${linkTo(base, section.id, m)}`);
      html.push(
        `<li><strong>${escapeHtml(who)}</strong>: <a href="${
          escapeHtml(linkTo(base, section.id, m))
        }">${escapeHtml(line)}</a></li>`,
      );
    }
    html.push("</ul>");
    text.push("");
  }
  if (total > listed) {
    text.push(`…and ${total - listed} more.`, "");
    html.push(`<p>…and ${total - listed} more.</p>`);
  }
  text.push(
    "--",
    `You get this because email notifications are on for ${email.address} on ${site}.`,
    `Stop them: ${unsubscribe}`,
    `Your settings: ${base}/account`,
  );
  html.push(
    `<hr><p style="color:#64748b;font-size:12px">You get this because email notifications are on for ${
      escapeHtml(email.address)
    } on ${escapeHtml(site)}. <a href="${escapeHtml(unsubscribe)}">Unsubscribe</a> · <a href="${
      escapeHtml(`${base}/account`)
    }">Your settings</a></p>`,
  );
  return {
    to: email.address,
    subject,
    text: text.join("\n"),
    html: html.join("\n"),
    headers: {
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}
