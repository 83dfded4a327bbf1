import { AppError, ValidationError } from "../lib/errors.ts";

/**
 * The most a JSON or form body may hold. The largest thing one carries is a 4,000-character
 * message (24 KB even if every character came as a `\u` escape) with ten attachment ids:
 * 64 KiB, the same as a WebSocket frame. Uploads stream through their own limit instead.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/** How long such a body may take to arrive in full, from the moment it is first read. */
export const BODY_TIMEOUT_MS = 10_000;

/** The media type of a Content-Type header, without parameters: "application/json". */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/**
 * Reads a request body of at most `maxBytes`, in at most `timeoutMs`. A declared
 * Content-Length above the limit is refused (413) before a byte is read; a chunked body is
 * counted as it arrives and refused once it passes the limit; a body that stalls is refused
 * (408). It is read chunk by chunk on purpose: `Request.json()` and friends reserve a buffer
 * of the declared length up front (200 connections declaring 50 MB and sending 14 bytes
 * held 3.3 GB), and wait for the last byte for as long as the client likes.
 */
export async function readBoundedBody(
  req: Request,
  options: { maxBytes?: number; timeoutMs?: number } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeoutError()), options.timeoutMs ?? BODY_TIMEOUT_MS);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    if (err instanceof AppError) throw err;
    // The client went away mid-body: nothing to parse.
    throw new ValidationError("The request body could not be read.", undefined, "malformed_body");
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/**
 * How long an upload may send nothing at all before it is dropped (nginx's
 * client_body_timeout has the same 60 s). Uploads may take minutes on a slow line, so it is
 * the silence that is bounded, not the whole.
 */
export const UPLOAD_IDLE_MS = 60_000;

/**
 * The request with a body that fails (BodyTimeoutError) when a read waits more than `idleMs`
 * for the client. The clock runs only while the reader asks for more: a slow consumer (the
 * store writing chunks) never counts against the client.
 */
export function withIdleTimeout(req: Request, idleMs = UPLOAD_IDLE_MS): Request {
  if (!req.body) return req;
  const reader = req.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BodyTimeoutError()), idleMs);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), timedOut]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        reader.cancel().catch(() => {});
        controller.error(err);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body,
    signal: req.signal,
  });
}

/** A JSON or form body over the limit: 413, before or while it is read. */
export class BodyTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super(
      413,
      "body_too_large",
      `The request body is too large: send at most ${Math.round(maxBytes / 1024)} KB.`,
    );
  }
}

/** A body that did not arrive in time: 408. */
export class BodyTimeoutError extends AppError {
  constructor() {
    super(408, "body_timeout", "The request body took too long to arrive.");
  }
}
