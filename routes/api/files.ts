import { Hono } from "hono";
import { contentDisposition, parseRange, SAFE_INLINE_TYPES } from "../../lib/download.ts";

import {
  deleteFile,
  getFileRecord,
  listFiles,
  readFileRange,
  storeFile,
  UploadTooLargeError,
} from "../../lib/files.ts";
import { hitRateLimit } from "../../lib/rate_limit.ts";
import { readMultipartFile } from "../../lib/uploads.ts";
import { memberProject } from "./_project.ts";
import { type Env, wantsPage } from "../_http.ts";

/** Multipart framing around the file: the boundary lines and part headers. */
const MULTIPART_OVERHEAD = 16 * 1024;

export const fileRoutes = new Hono<Env>()
  .get("/:id/files", async (c) => {
    const { project } = await memberProject(c);
    return c.json({ files: await listFiles(c.get("ctx").kv, project.id) });
  })
  .post("/:id/files", async (c) => {
    const { user, project } = await memberProject(c);
    const { kv, config } = c.get("ctx");
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > config.maxUploadBytes + MULTIPART_OVERHEAD) {
      throw new UploadTooLargeError(config.maxUploadBytes);
    }
    await hitRateLimit(kv, ["upload", user.id], {
      limit: 60,
      windowMs: 60 * 60_000,
      scale: config.rateLimitScale,
    });
    const incoming = await readMultipartFile(c.req.raw, { field: "file" });
    const file = await storeFile(kv, project, {
      uploader: user,
      name: incoming.name,
      body: incoming.body,
      maxBytes: config.maxUploadBytes,
      quotaBytes: config.projectQuotaBytes,
    });
    return wantsPage(c) ? c.redirect(`/projects/${project.id}`, 303) : c.json({ file }, 201);
  })
  .get("/:id/files/:fileId", async (c) => {
    const { project } = await memberProject(c);
    const record = await getFileRecord(c.get("ctx").kv, project.id, c.req.param("fileId"));
    const etag = `"${record.sha256}"`;
    const inline = c.req.query("inline") === "1" && SAFE_INLINE_TYPES.has(record.contentType);
    const headers: Record<string, string> = {
      "ETag": etag,
      "Accept-Ranges": "bytes",
      "Cache-Control": "private, no-cache",
      "Content-Disposition": contentDisposition(record.name, inline ? "inline" : "attachment"),
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "X-Content-Type-Options": "nosniff",
    };
    const matches = (c.req.header("if-none-match") ?? "").split(",").map((t) =>
      t.trim().replace(/^W\//, "")
    );
    if (matches.includes(etag) || matches.includes("*")) return c.body(null, 304, headers);
    const ifRange = c.req.header("if-range");
    const range = !ifRange || ifRange === etag
      ? parseRange(c.req.header("range"), record.size)
      : null;
    if (range === "unsatisfiable") {
      return c.body(null, 416, { ...headers, "Content-Range": `bytes */${record.size}` });
    }
    const span = range ?? { start: 0, end: record.size - 1 };
    const body = readFileRange(c.get("ctx").kv, record, span);
    // Safe as a real type: attachment (or a raster image), nosniff and a sandboxing CSP.
    headers["Content-Type"] = record.contentType;
    headers["Content-Length"] = String(record.size === 0 ? 0 : span.end - span.start + 1);
    if (range) headers["Content-Range"] = `bytes ${span.start}-${span.end}/${record.size}`;
    return c.body(body, range ? 206 : 200, headers);
  })
  .delete("/:id/files/:fileId", async (c) => {
    const { user, project } = await memberProject(c);
    await deleteFile(c.get("ctx").kv, project, { fileId: c.req.param("fileId"), actorId: user.id });
    return c.body(null, 204);
  })
  // The no-JavaScript form for deleting (forms cannot send DELETE).
  .post("/:id/files/:fileId/delete", async (c) => {
    const { user, project } = await memberProject(c);
    await deleteFile(c.get("ctx").kv, project, { fileId: c.req.param("fileId"), actorId: user.id });
    return c.redirect(`/projects/${project.id}`, 303);
  });
