/**
 * A test server in its own process, for the load tests (tests/security/*_load_test.ts): its
 * memory is then the server's alone. Started by load_support.ts with `--expose-gc`; the
 * environment (KV_PATH and others) comes as a JSON argument. Prints `{"base": …}` once
 * listening; then each line "mem" on stdin is answered with Deno.memoryUsage() after a full
 * garbage collection (what the server still holds, not garbage), and end of stdin stops it.
 */
import { startTestServer } from "../support/helpers.ts";

const env = JSON.parse(Deno.args[0] ?? "{}") as Record<string, string>;
const server = await startTestServer(env);
const encoder = new TextEncoder();
const say = (value: unknown) => Deno.stdout.write(encoder.encode(JSON.stringify(value) + "\n"));
await say({ base: server.base });

const gc = (globalThis as { gc?: () => void }).gc;
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let buffered = "";
for await (const chunk of lines) {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    if (line === "mem") {
      gc?.();
      await new Promise((r) => setTimeout(r, 10));
      gc?.();
      await say(Deno.memoryUsage());
    }
  }
}
await server.close();
