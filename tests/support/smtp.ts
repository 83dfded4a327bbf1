/**
 * A real SMTP server for a test: tests/support/smtp_sink.ts as a child process (npm:smtp-server,
 * each message parsed with mailparser), read line by line. Stop it and start another on the
 * same port to play a mail server that was down for a while.
 */

/** A message as the sink received and parsed it. */
export type ReceivedMail = {
  from: string | null;
  to: string[];
  subject: string;
  messageId: string | null;
  text: string;
  html: string;
  headers: Record<string, string>;
};

export type SmtpSink = {
  port: number;
  /** The SMTP_URL that reaches it. */
  url: string;
  /** Every message received so far, in order. */
  received: ReceivedMail[];
  /** Waits until `count` messages (to `to`, when given) have arrived; returns them. */
  waitFor(count: number, options?: { to?: string; timeoutMs?: number }): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
};

const SCRIPT = new URL("./smtp_sink.ts", import.meta.url).pathname;

/** Starts the sink (on `port`, or any free one) and resolves once it listens. */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, String(port)],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const received: ReceivedMail[] = [];
  const { promise: ready, resolve: listening } = Promise.withResolvers<number>();
  let wake = () => {};
  const reading = (async () => {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        const parsed = JSON.parse(line);
        if ("listening" in parsed) listening(parsed.listening);
        else {
          received.push(parsed);
          wake();
        }
      }
    }
  })();
  const exited = child.status;
  const bound = await Promise.race([ready, exited.then(() => null)]);
  if (bound === null) throw new Error("the SMTP sink did not start");
  const sink: SmtpSink = {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    received,
    async waitFor(count, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 15_000);
      const to = options.to?.toLowerCase();
      const matching = () =>
        received.filter((m) => !to || m.to.some((a) => a.toLowerCase() === to));
      while (matching().length < count) {
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} mails, got ${JSON.stringify(matching(), null, 1)}`);
        }
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
      return matching();
    },
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await exited;
      await reading.catch(() => {});
    },
  };
  return sink;
}
