/**
 * Email tests' setup: an app whose mail goes to a real SMTP server process (smtp.ts), and the
 * two mail workers run by hand (`deliver`), so a test decides when mail goes out.
 */
import {
  closeMailTransports,
  type Mail,
  mailHandler,
  OutboxWorker,
} from "../../lib/outbound/mod.ts";
import { digestHandler } from "../../lib/notify/mod.ts";
import { confirmEmail, requestEmail } from "../../lib/accounts/mod.ts";
import { outboxQueuePrefix } from "../../lib/storage/mod.ts";
import type { AppContext } from "../../lib/context.ts";
import { type SmtpSink, startSmtpSink } from "./smtp.ts";
import { startTestApp, startTestServer, type TestApp } from "./helpers.ts";

export const MAIL_FROM = "Hearth <hearth@example.com>";

/** The environment that turns email on, sending to `sink`. */
export function emailEnv(sink: SmtpSink, env: Record<string, string> = {}) {
  return { SMTP_URL: sink.url, MAIL_FROM, EMAIL_DELAY_MINUTES: "0", ...env };
}

/** The "mail_digest" (digests, reset requests) and "mail" workers of this app's store. */
export function mailWorkers(ctx: AppContext) {
  const { kv, config } = ctx;
  return {
    digest: new OutboxWorker(kv, "mail_digest", digestHandler(kv, config)),
    mail: new OutboxWorker<Mail>(kv, "mail", mailHandler(config)),
  };
}

/** Runs what is due in both queues (digest work first: it may queue mail); how many ran. */
export async function deliver(ctx: AppContext): Promise<number> {
  const { digest, mail } = mailWorkers(ctx);
  return (await digest.runDue()) + (await mail.runDue());
}

/** A test around an app (in-process, or a real server with `server: true`) and a sink. */
export async function withEmailApp(
  fn: (app: TestApp & { base?: string }, sink: SmtpSink) => Promise<void>,
  options: { env?: Record<string, string>; server?: boolean } = {},
): Promise<void> {
  const sink = await startSmtpSink();
  const env = emailEnv(sink, options.env);
  const app = options.server ? await startTestServer(env) : await startTestApp(env);
  try {
    await fn(app, sink);
  } finally {
    closeMailTransports();
    await app.close();
    await sink.stop();
  }
}

/** The first link in a mail's text that starts with `path` (e.g. "/reset/"). */
export function linkIn(mail: { text: string }, path: string): URL {
  const found = mail.text.split(/\s+/).find((w) =>
    w.startsWith("http") && new URL(w).pathname.startsWith(path)
  );
  if (!found) throw new Error(`no ${path} link in:\n${mail.text}`);
  return new URL(found);
}

/**
 * Gives `userId` a confirmed address straight through lib/accounts (the HTTP path has its own
 * test): the confirmation mail is taken off the queue and its link followed.
 */
export async function confirmAddress(kv: Deno.Kv, userId: string, address: string) {
  await requestEmail(kv, userId, { address, origin: "http://chat.test", siteName: "Hearth" });
  for await (const e of kv.list<{ payload: Mail }>({ prefix: outboxQueuePrefix("mail") })) {
    const token = /\/email\/confirm\/(\S+)/.exec(e.value.payload.text)?.[1];
    if (e.value.payload.to === address && token) await confirmEmail(kv, token);
    await kv.delete(e.key);
  }
}
