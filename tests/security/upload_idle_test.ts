/**
 * Issue 15, item 10 (uploads): an upload keeps its streaming size limit and may be slow, but
 * one that goes silent is dropped after UPLOAD_IDLE_MS instead of holding its connection and
 * its half-stored file for good.
 */
import assert from "node:assert/strict";
import { readMultipartFile } from "../../lib/files/mod.ts";
import { withIdleTimeout } from "../../routes/_body.ts";

const BOUNDARY = "----hearth-idle";
const HEAD = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n` +
  "Content-Type: text/plain\r\n\r\n";

/** A multipart upload that sends its head, then `pieces` at `everyMs`, then (maybe) stalls. */
function upload(options: { pieces: number; everyMs: number; finish: boolean }) {
  let sent = 0;
  let cancelled = false;
  const text = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(text.encode(HEAD));
    },
    async pull(controller) {
      if (sent === options.pieces) {
        if (options.finish) {
          controller.enqueue(text.encode(`\r\n--${BOUNDARY}--\r\n`));
          controller.close();
        }
        return await new Promise(() => {}); // silence, until cancelled
      }
      await new Promise((r) => setTimeout(r, options.everyMs));
      sent++;
      controller.enqueue(text.encode("x".repeat(1000)));
    },
    cancel() {
      cancelled = true;
    },
  });
  const request = new Request("http://localhost/api/projects/p/files", {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  });
  return { request, cancelled: () => cancelled };
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.byteLength;
  return bytes;
}

Deno.test("an upload that goes silent mid-file fails as interrupted after the idle timeout", async () => {
  const { request, cancelled } = upload({ pieces: 3, everyMs: 10, finish: false });
  const file = await readMultipartFile(withIdleTimeout(request, 200), { field: "file" });
  await assert.rejects(drain(file.body), (err: Error & { code?: string }) => {
    assert.equal(err.code, "upload_interrupted");
    return true;
  });
  assert.equal(cancelled(), true, "the client's body is let go");
});

Deno.test("a slow upload that never pauses as long as the idle timeout arrives whole", async () => {
  const { request } = upload({ pieces: 8, everyMs: 60, finish: true });
  const file = await readMultipartFile(withIdleTimeout(request, 200), { field: "file" });
  assert.equal(await drain(file.body), 8000);
});
