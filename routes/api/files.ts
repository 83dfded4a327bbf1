import { Hono } from "hono";
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
import { memberProject } from "./_project.ts";

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
function fileArea(access: (c: AppCtx) => Promise<Access>) {
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

  return new Hono<Env>()
    .get("/:id/files", async (c) => {
      const { area } = await access(c);
      return c.json({ files: await listFiles(c.get("ctx").kv, area.id) });
    })
    .post("/:id/files", async (c) => {
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
    })
    .get("/:id/files/:fileId", async (c) => {
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
    })
    .delete("/:id/files/:fileId", async (c) => {
      await remove(c);
      return c.body(null, 204);
    })
    // The no-JavaScript form for deleting (forms cannot send DELETE).
    .post("/:id/files/:fileId/delete", async (c) => {
      const { page } = await remove(c);
      return c.redirect(page, 303);
    });
}

/** `/api/projects/:id/files…`: the project's shared files. */
export const fileRoutes = fileArea(projectAccess);
/** `/api/conversations/:id/files…`: a conversation's attachments (see conversationAccess). */
export const conversationFileRoutes = fileArea(conversationAccess);
