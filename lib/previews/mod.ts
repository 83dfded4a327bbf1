/**
 * Link previews (issue 20; beside lib/integrations, above notify): the first http(s) link of
 * a message is fetched by the server under the outbound guard (lib/outbound/address.ts), its
 * OpenGraph / Twitter / <title> data stored with the message as `preview` and delivered as a
 * change; images are served through the app.
 *
 * The send commit (lib/messages/send.ts) queues a job on the "unfurl" outbox queue; every
 * serving process runs its worker (startPreviews). A job reads the message as it is now: a
 * message deleted, edited to another link, already previewed or whose author removed the
 * preview is left alone. The preview reaches the message through the hub as a `preview`
 * change (a rev of the head, `message_updated` to every room, replayed by catch-up), which
 * lib/messages/changes.ts stores only while the link is still the message's first.
 */
import type { Config } from "../../config.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { formatMessage, type MessageRecord } from "../messages/mod.ts";
import { type Job, OutboxWorker, type Outcome } from "../outbound/mod.ts";
import type { Hub } from "../realtime/mod.ts";
import { firstLinkOf, type LinkPreview, UNFURL_QUEUE, type UnfurlJob } from "../shared/message.ts";
import type { User } from "../shared/user.ts";
import { messageKey } from "../storage/mod.ts";
import { fetchImage, readImage, type StoredImage } from "./image.ts";
import { unfurl, unfurlRecord } from "./unfurl.ts";

export { hashUrl, UNFURL_TTL_MS } from "./unfurl.ts";
export { IMAGE_MAX_BYTES, sniffImage, type StoredImage } from "./image.ts";

/** This process's link-preview worker. */
export type Previews = { worker: OutboxWorker<UnfurlJob>; stop(): Promise<void> };

/**
 * Who stores a preview: the server, not a person (changes.ts asks no participant of it; its
 * id is nobody's, so the message is shown with its real author).
 */
const SERVER: User = { id: "", username: "hearth", displayName: "Link previews" };

/** A message's preview image path: the image by its page's hash, and the message showing it. */
export function imagePath(urlHash: string, conversationId: string, seq: number): string {
  return `/api/previews/${urlHash}/image?c=${encodeURIComponent(conversationId)}&s=${seq}`;
}

/** Starts this process's link-preview worker (`start: false`: tests call worker.runDue). */
export function startPreviews(
  ctx: { kv: Deno.Kv; config: Config; hub: Hub },
  options: { start?: boolean; pollMs?: number } = {},
): Previews {
  const worker = new OutboxWorker<UnfurlJob>(ctx.kv, UNFURL_QUEUE, (job) => runJob(ctx, job), {
    pollMs: options.pollMs ?? 500,
    // A link's preview is worth little after an hour.
    maxAgeMs: 60 * 60_000,
    backoffMs: 1000,
  });
  if (options.start !== false) worker.start();
  return { worker, stop: () => worker.stop() };
}

/** One job: the message's preview, found (or from the cache) and stored through the hub. */
export async function runJob(
  ctx: { kv: Deno.Kv; config: Config; hub: Hub },
  job: Job<UnfurlJob>,
): Promise<Outcome> {
  const { conversationId, seq, url } = job.payload;
  const record = (await ctx.kv.get<MessageRecord>(messageKey(conversationId, seq))).value;
  if (!record || record.deletedAt || record.kind === "system") return "done";
  // Removed by its author, already shown, or edited to another link (that edit queued it).
  if (record.preview === null || record.preview?.url === url) return "done";
  if (firstLinkOf(formatMessage(record.content)) !== url) return "done";
  const found = await unfurl(ctx.kv, url, { allowPrivate: ctx.config.unfurl.allowPrivate });
  if ("busy" in found) return { retryInMs: 1000, reason: "being fetched by another job" };
  if (!found.facts) return "done";
  const { title, description, siteName } = found.facts;
  const preview: LinkPreview = {
    url,
    title,
    description,
    siteName,
    ...(found.image ? { image: imagePath(found.urlHash, conversationId, seq) } : {}),
  };
  try {
    await ctx.hub.changeMessage(SERVER, { conversationId, seq }, { kind: "preview", preview });
  } catch (err) {
    // The message went (or the conversation did) meanwhile: nothing to show it on.
    if (err instanceof NotFoundError || err instanceof ConflictError) return "done";
    throw err;
  }
  return "done";
}

/**
 * The image of the preview of message `seq` in `conversationId` for a page hashed `urlHash`,
 * or null. The caller has checked that the asker takes part in the conversation; this checks
 * that the message shows that image. Out of date (a day), it is fetched again.
 */
export async function previewImage(
  ctx: { kv: Deno.Kv; config: Config },
  urlHash: string,
  message: { conversationId: string; seq: number },
): Promise<StoredImage | null> {
  const { kv } = ctx;
  const record = (await kv.get<MessageRecord>(messageKey(message.conversationId, message.seq)))
    .value;
  const path = imagePath(urlHash, message.conversationId, message.seq);
  if (!record || record.deletedAt || record.preview?.image !== path) return null;
  const stored = await readImage(kv, urlHash);
  if (stored) return "image" in stored ? stored.image : null;
  const page = await unfurlRecord(kv, urlHash);
  const imageUrl = page && "facts" in page ? page.facts?.imageUrl : undefined;
  if (!imageUrl) return null;
  await fetchImage(kv, urlHash, imageUrl, { allowPrivate: ctx.config.unfurl.allowPrivate });
  const again = await readImage(kv, urlHash);
  return again && "image" in again ? again.image : null;
}
