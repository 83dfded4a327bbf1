import { Busboy } from "@fastify/busboy";
import { Readable } from "node:stream";
import { AppError, ValidationError } from "./errors.ts";

export type IncomingFile = { name: string; body: AsyncIterable<Uint8Array> };

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
    parser.on("file", (fieldName, stream, filename) => {
      if (fieldName !== options.field || found) return void stream.resume();
      found = stream;
      resolve({ name: filename || "file", body: stream });
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
    parser.on("error", (err: unknown) => {
      if (found) found.destroy(err instanceof Error ? err : new Error(String(err)));
      else {reject(
          new ValidationError(
            "The upload is not valid multipart/form-data.",
            undefined,
            "bad_multipart",
          ),
        );}
    });
    const source = Readable.fromWeb(
      request.body as import("node:stream/web").ReadableStream<Uint8Array>,
    );
    source.on("error", (err) => {
      // The client went away (or the body failed): fail the file so its chunks are removed.
      if (found) found.destroy(err);
      else {reject(
          new ValidationError("The upload was interrupted.", undefined, "upload_interrupted"),
        );}
      parser.destroy();
    });
    source.pipe(parser);
  });
}
