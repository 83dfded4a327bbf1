import { Busboy } from "@fastify/busboy";
import { Readable } from "node:stream";
import { AppError, ValidationError } from "../errors.ts";

export type IncomingFile = { name: string; body: AsyncIterable<Uint8Array> };

/**
 * Browsers (and Deno's FormData) escape `"`, CR and LF in a multipart filename as `%22`,
 * `%0D` and `%0A` (HTML's form encoding); the parser does not undo it, so a file named
 * `say "hi".txt` would be stored as `say %22hi%22.txt`. Only those three are undone (a
 * literal "%22" in a name is ambiguous by the spec and becomes a quote; the CR and LF are
 * then stripped by cleanFileName).
 */
function unescapeFileName(name: string): string {
  return name.replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Finds the file in a streamed `multipart/form-data` request (field `field`) and hands back
 * its bytes as a stream: nothing is buffered beyond the parser's small window, and the
 * request is read only as fast as the consumer writes. When the client goes away mid-upload
 * the file stream fails, so the consumer can clean up. Throws ValidationError when the body
 * is not multipart or has no such file.
 */
export function readMultipartFile(
  request: Request,
  options: { field: string },
): Promise<IncomingFile> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data") || !request.body) {
    return Promise.reject(
      new AppError(415, "unsupported_media_type", "Upload files as multipart/form-data."),
    );
  }
  return new Promise((resolve, reject) => {
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { "content-type": type },
        preservePath: true, // the name is kept as given; it is never used as a path
        limits: { files: 1, fields: 20, parts: 25, fieldSize: 64 * 1024 },
      });
    } catch {
      return reject(
        new ValidationError(
          "The upload is not valid multipart/form-data.",
          undefined,
          "bad_multipart",
        ),
      );
    }
    let found: Readable | null = null;
    // A body that breaks off or is malformed mid-file is the client's doing: the file stream
    // fails with a 400 (not a logged 500), and the consumer cleans up what it stored.
    let failure: ValidationError | null = null;
    const fail = (err: ValidationError) => {
      failure ??= err;
      if (found) found.destroy(failure);
      else reject(failure);
    };
    parser.on("file", (fieldName, stream, filename) => {
      // A body that breaks off makes the parser emit "error" on the file's stream, and fail()
      // may destroy ours before the consumer reads it: an "error" event with no listener
      // would crash the process. The consumer still sees it (iterating a failed stream throws).
      stream.on("error", () => {});
      if (fieldName !== options.field || found) return void stream.resume();
      found = stream;
      resolve({ name: unescapeFileName(filename) || "file", body: clientErrors(stream) });
    });
    parser.on("finish", () => {
      if (!found) {
        reject(
          new ValidationError("Attach a file in the field 'file'.", {
            file: "Choose a file to upload.",
          }),
        );
      }
    });
    parser.on("error", () => {
      fail(
        new ValidationError(
          "The upload is not valid multipart/form-data.",
          undefined,
          "bad_multipart",
        ),
      );
    });
    const source = Readable.fromWeb(
      request.body as import("node:stream/web").ReadableStream<Uint8Array>,
    );
    source.on("error", () => {
      // The client went away (or the body failed): fail the file so its chunks are removed.
      fail(new ValidationError("The upload was interrupted.", undefined, "upload_interrupted"));
      parser.destroy();
    });
    /** The file's bytes; whichever error the parser's streams raise, the consumer sees ours. */
    async function* clientErrors(stream: Readable): AsyncIterable<Uint8Array> {
      try {
        yield* stream;
      } catch {
        throw failure ?? new ValidationError(
          "The upload is not valid multipart/form-data.",
          undefined,
          "bad_multipart",
        );
      }
    }
    source.pipe(parser);
  });
}
