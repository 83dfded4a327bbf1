/**
 * A real SMTP server for tests, run as its own process (`deno run -A smtp_sink.ts [port]`):
 * npm:smtp-server on 127.0.0.1 (port 0: any free one), every message parsed with mailparser
 * and written to stdout as one JSON line. The first line is `{"listening": port}`.
 */
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

const port = Number(Deno.args[0] ?? 0);

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream).then((mail) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of mail.headers) {
        if (typeof value === "string") headers[name] = value;
      }
      for (const line of mail.headerLines) headers[`raw:${line.key}`] = line.line;
      const line = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((r) => r.address),
        subject: mail.subject ?? "",
        messageId: mail.messageId ?? null,
        text: mail.text ?? "",
        html: typeof mail.html === "string" ? mail.html : "",
        headers,
      };
      console.log(JSON.stringify(line));
      callback();
    }, (err) => callback(err));
  },
});

server.listen(port, "127.0.0.1", () => {
  const address = server.server.address();
  console.log(JSON.stringify({ listening: typeof address === "object" ? address?.port : port }));
});
// Stopped as a mail server that goes down: at once, whoever is still connected.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
