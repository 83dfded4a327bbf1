/**
 * Email: the durable "mail" queue and the SMTP transport that empties it. A mail is queued
 * in the commit of whatever causes it (`queueMail` adds a job to the caller's operation) and
 * sent by whichever process takes the job (`mailHandler`, run by an OutboxWorker): a server
 * that is down or answers 4xx is tried again with backoff, for up to a day; a 5xx answer to
 * the recipient or the content is final. Each mail's Message-ID comes from its job's
 * id, so a repeat (at least once delivery) can be told apart by the receiver.
 */
import nodemailer from "nodemailer";
import type { Config } from "../../config.ts";
import { enqueue, type Job, type Outcome } from "./queue.ts";
import { log } from "../ops/mod.ts";

export const MAIL_QUEUE = "mail";

/** One email to one person. `headers`: extra ones (List-Unsubscribe, …). */
export type Mail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
};

/** Adds a mail to `op`: it is queued when (and only if) the commit lands. Returns the job id. */
export function queueMail(
  op: Deno.AtomicOperation,
  mail: Mail,
  options: { id?: string; delayMs?: number } = {},
): string {
  return enqueue(op, MAIL_QUEUE, mail, options);
}

type Transport = ReturnType<typeof nodemailer.createTransport>;

/** One pooled transport per SMTP URL (a process sends through one server). */
const transports = new Map<string, Transport>();

function transportFor(smtpUrl: string): Transport {
  let transport = transports.get(smtpUrl);
  if (!transport) {
    transport = nodemailer.createTransport({
      url: smtpUrl,
      // Bounded waits: a server that hangs is retried later like one that is down.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    transports.set(smtpUrl, transport);
  }
  return transport;
}

/** Closes the transports (a process shutting down, a test's end). */
export function closeMailTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

/** The domain of the From address, for Message-IDs ("hearth.local" when it has none). */
function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "hearth.local";
}

/** The handler of the "mail" queue: sends each job's mail through config.email's server. */
export function mailHandler(
  config: Pick<Config, "email">,
): (job: Job<Mail>) => Promise<Outcome> {
  return async (job) => {
    const email = config.email;
    if (!email) return { reason: "email is not configured (SMTP_URL, MAIL_FROM)" };
    const mail = job.payload;
    try {
      await transportFor(email.smtpUrl).sendMail({
        from: email.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: mail.headers,
        messageId: `<${job.id}@${domainOf(email.from)}>`,
      });
      return "done";
    } catch (err) {
      const { responseCode: code, command } = err as { responseCode?: number; command?: string };
      const reason = err instanceof Error ? err.message : String(err);
      if (code !== undefined && code >= 500 && (command === "RCPT TO" || command === "DATA")) {
        // The server refused this mail for good (no such mailbox, content policy): trying
        // again would be refused again. A 5xx to the connection or sign-in (a setting to
        // fix) is retried like a server that is down.
        log("warn", "mail refused", { id: job.id, code, reason });
        return "done";
      }
      return { reason };
    }
  };
}
