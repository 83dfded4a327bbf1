import { Hono } from "hono";
import { z } from "zod";
import { detachDeletedFile, fileAreaOf } from "../../lib/messages/mod.ts";
import {
  getConversationRecord,
  getConversationRecordForUser,
} from "../../lib/conversations/mod.ts";
import {
  contentDisposition,
  deleteFile,
  type FileArea,
  getFileRecord,
  listFiles,
  parseRange,
  readFileRange,
  readMultipartFile,
  SAFE_INLINE_TYPES,
  storeFile,
  UploadTooLargeError,
} from "../../lib/files/mod.ts";
import { canManage, getProjectForUser } from "../../lib/projects/mod.ts";
import { hitRateLimit } from "../../lib/ops/mod.ts";
import type { User } from "../../lib/accounts/mod.ts";
import { type AppCtx, type Env, requireUser, wantsPage } from "../_http.ts";
import { withIdleTimeout } from "../_body.ts";
import { doc } from "../_openapi.ts";
import { memberProject } from "./_project.ts";

/** The upload's form (read by readMultipartFile, streamed: described here for the document). */
const uploadSchema = z.object({
  file: z.string().meta({ format: "binary", description: "The file (its name is kept)." }),
});
/** `inline=1` shows a raster image in the browser; everything else is a download. */
const downloadQuery = z.object({ inline: z.enum(["1"]).optional() });
const fileParams = z.object({ id: z.string(), fileId: z.string() });

/** Multipart framing around the file: the boundary lines and part headers. */
const MULTIPART_OVERHEAD = 16 * 1024;

/**
 * Who asks, the file area they reach, whether they manage it, and the page it belongs to:
 * decided here, since lib/files sits below projects and conversations and knows only areas.
 */
type Access = {
  user: User;
  area: FileArea;
  manager: boolean;
  page: string;
  /** The conversation whose people see the area's files (told when they change). */
  conversationId: string;
};

/** A project's files (`/api/projects/:id/files`): members only, 404 for anyone else. */
async function projectAccess(c: AppCtx): Promise<Access> {
  const { user, project } = await memberProject(c);
  return {
    user,
    area: { kind: "project", id: project.id },
    manager: canManage(project.role),
    page: `/projects/${project.id}`,
    conversationId: project.conversationId,
  };
}

/**
 * A conversation's files (`/api/conversations/:id/files`): participants only, 404 for anyone
 * else. A project's conversation reaches its project's files (where its attachments go).
 */
async function conversationAccess(c: AppCtx): Promise<Access> {
  const user = requireUser(c);
  const { kv } = c.get("ctx");
  const conversation = await getConversationRecordForUser(kv, c.req.param("id") ?? "", user.id);
  const project = conversation.projectId
    ? await getProjectForUser(kv, conversation.projectId, user.id)
    : null;
  return {
    user,
    area: fileAreaOf(conversation),
    manager: project ? canManage(project.role) : false,
    page: `/conversations/${conversation.id}`,
    conversationId: project?.conversationId ?? conversation.id,
  };
}

/** Every open page of the area's people lists its files again (issue 15, item 5). */
async function filesChanged(c: AppCtx, a: Access): Promise<void> {
  const { kv, hub } = c.get("ctx");
  const record = await getConversationRecord(kv, a.conversationId).catch(() => null);
  if (record) hub.filesChanged(a.area.id, record.participantIds);
}

/** The routes of one kind of file area, the same for projects and conversations. */
function fileArea(access: (c: AppCtx) => Promise<Access>, where: "project" | "conversation") {
  const who = where === "project" ? "members" : "participants";
  const missing = `No such ${where} for you.`;
  async function remove(c: AppCtx): Promise<Access> {
    const a = await access(c);
    const { kv, hub } = c.get("ctx");
    const record = await deleteFile(kv, a.area.id, {
      fileId: c.req.param("fileId") ?? "",
      actorId: a.user.id,
      manager: a.manager,
    });
    await detachDeletedFile(
      kv,
      record.id,
      (target, change) => hub.changeMessage(a.user, target, change),
    );
    await filesChanged(c, a);
    return a;
  }

  const deleteDoc = {
    tag: "Files",
    summary: "",
    description: "Its uploader may; so may the project's owners and admins. " +
      "Messages it was attached to show it as removed.",
    params: fileParams,
    responses: {
      204: "Deleted.",
      403: "Not yours to delete.",
      404: `${missing} Or no such file.`,
    } as Record<number, string>,
  };

  return new Hono<Env>()
    .get(
      "/:id/files",
      doc({
        tag: "Files",
        summary: `The ${where}'s files, newest first.`,
        responses: { 200: "`{files: FileRecord[]}`.", 404: missing },
      }),
      async (c) => {
        const { area } = await access(c);
        return c.json({ files: await listFiles(c.get("ctx").kv, area.id) });
      },
    )
    .post(
      "/:id/files",
      doc({
        tag: "Files",
        summary: `Uploads a file to the ${where} (multipart, field \`file\`).`,
        description: `Any of its ${who} may. Up to the site's upload size, within the quotas.`,
        body: uploadSchema,
        bodyTypes: ["multipart"],
        responses: {
          201: "`{file: FileRecord}`.",
          303: "A browser's form post: back to the page.",
          400: "No `file` field, or not multipart.",
          404: missing,
          413:
            "Larger than the upload limit (`file_too_large`), or past a quota (`quota_exceeded`).",
          429: "Too many uploads: wait for `Retry-After`.",
          503: "The server's storage is full (`storage_full`).",
        },
      }),
      async (c) => {
        const a = await access(c);
        const { user, area, page } = a;
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
        const incoming = await readMultipartFile(withIdleTimeout(c.req.raw), { field: "file" });
        const file = await storeFile(kv, area, {
          uploader: user,
          name: incoming.name,
          body: incoming.body,
          maxBytes: config.maxUploadBytes,
          quotaBytes: config.projectQuotaBytes,
          userQuotaBytes: config.userQuotaBytes,
        });
        await filesChanged(c, a);
        return wantsPage(c) ? c.redirect(page, 303) : c.json({ file }, 201);
      },
    )
    .get(
      "/:id/files/:fileId",
      doc({
        tag: "Files",
        summary: `Downloads one of the ${where}'s files (ranges and ETags honoured).`,
        params: fileParams,
        query: downloadQuery,
        responses: {
          200: { description: "The file, as an attachment.", type: "application/octet-stream" },
          206: { description: "The range asked for.", type: "application/octet-stream" },
          304: "Not modified (`If-None-Match`).",
          404: `${missing} Or no such file.`,
          416: "A range outside the file.",
        },
      }),
      async (c) => {
        const { area } = await access(c);
        const record = await getFileRecord(c.get("ctx").kv, area.id, c.req.param("fileId"));
        const etag = `"${record.sha256}"`;
        // Only raster images may show inline (never SVG, HTML or XML): everything else is a download.
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
      },
    )
    .delete(
      "/:id/files/:fileId",
      doc({ ...deleteDoc, summary: `Deletes a file of the ${where}.` }),
      async (c) => {
        await remove(c);
        return c.body(null, 204);
      },
    )
    // The no-JavaScript form for deleting (forms cannot send DELETE).
    .post(
      "/:id/files/:fileId/delete",
      doc({
        ...deleteDoc,
        summary: `Deletes a file of the ${where} from a form (pages without JavaScript).`,
        responses: { ...deleteDoc.responses, 303: "Back to the page." },
      }),
      async (c) => {
        const { page } = await remove(c);
        return c.redirect(page, 303);
      },
    );
}

/** `/api/projects/:id/files…`: the project's shared files. */
export const fileRoutes = fileArea(projectAccess, "project");
/** `/api/conversations/:id/files…`: a conversation's attachments (see conversationAccess). */
export const conversationFileRoutes = fileArea(conversationAccess, "conversation");
