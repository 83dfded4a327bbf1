/**
 * Link previews (mounted at /api): the proxied image of a message's preview, and the author's
 * removal of a message's preview (JSON DELETE, and its form twin for pages without
 * JavaScript). Outsiders get the 404 of a missing conversation.
 */
import { Hono } from "hono";
import { z } from "zod";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { previewImage } from "../../lib/previews/mod.ts";
import { type AppCtx, type Env, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";

const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const removeParams = z.object({
  id: z.string().meta({ description: "The conversation.", example: "01JD8Z3Q7ZK2W8C5V4N6M0P1RS" }),
  seq: seqParam.meta({ description: "The message.", example: 42 }),
});
const imageParams = z.object({
  urlHash: z.string().regex(/^[0-9a-f]{64}$/).meta({
    description: "The SHA-256 (hex) of the previewed page's URL.",
    example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  }),
});
const imageQuery = z.object({
  c: z.string().min(1).max(64).meta({
    description: "The conversation of a message showing the preview.",
    example: "01JD8Z3Q7ZK2W8C5V4N6M0P1RS",
  }),
  s: seqParam.meta({ description: "That message's seq.", example: 42 }),
});

const removeAnswers = {
  404: "No such conversation for you, or no such message.",
  403: "Not your message: only its author removes its preview.",
  409: "A system message (`system_message`), or an archived channel (`archived`).",
};

/** Removes the preview of message `:seq` in conversation `:id` (its author only), for good. */
async function remove(c: AppCtx): Promise<number> {
  const user = requireUser(c);
  const { kv, hub } = c.get("ctx");
  const conversation = await getConversationRecordForUser(kv, c.req.param("id")!, user.id);
  const seq = seqParam.safeParse(c.req.param("seq"));
  if (!seq.success) throw new NotFoundError("Message not found.");
  const { message } = await hub.changeMessage(
    user,
    { conversationId: conversation.id, seq: seq.data },
    { kind: "preview", preview: null },
  );
  return message.parentSeq ?? 0;
}

export const previewRoutes = new Hono<Env>()
  .get(
    "/previews/:urlHash/image",
    doc({
      tag: "Link previews",
      summary: "A link preview's image, served through the app.",
      description: "The path is the `image` of a message's `preview` (`?c=&s=` name that " +
        "message): for people taking part in its conversation. A PNG, JPEG, GIF or WebP of at " +
        "most 1 MB, its type read from its bytes; kept a day, then fetched again from the page's " +
        "`og:image` under the same address rules as the page.",
      params: imageParams,
      query: imageQuery,
      responses: {
        200: { description: "The image.", type: "image/*" },
        400: "`c` or `s` missing or malformed.",
        404: "No such conversation for you, no such message, a malformed hash, or that " +
          "message shows no such image (or it can no longer be fetched).",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const ctx = c.get("ctx");
      const hash = imageParams.safeParse({ urlHash: c.req.param("urlHash") });
      if (!hash.success) throw new NotFoundError("No such image.");
      const { c: conversationId, s: seq } = readQuery(c, imageQuery);
      await getConversationRecordForUser(ctx.kv, conversationId, user.id);
      const image = await previewImage(ctx, hash.data.urlHash, { conversationId, seq });
      if (!image) throw new NotFoundError("No such image.");
      return c.body(image.bytes as Uint8Array<ArrayBuffer>, 200, {
        "Content-Type": image.contentType,
        "Content-Length": String(image.bytes.length),
        "Cache-Control": "private, max-age=86400",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "X-Content-Type-Options": "nosniff",
      });
    },
  )
  .delete(
    "/conversations/:id/messages/:seq/preview",
    doc({
      tag: "Link previews",
      summary: "Removes a message's link preview (its author only), for good.",
      description: "Every room gets the message without it (`message_updated`, `preview: null`); " +
        "a later fetch of its link (an edit) shows none. 204 also when there was none.",
      params: removeParams,
      responses: { 204: "Removed (or there was none).", ...removeAnswers },
    }),
    async (c) => {
      await remove(c);
      return c.body(null, 204);
    },
  )
  .post(
    "/conversations/:id/messages/:seq/preview/remove",
    doc({
      tag: "Link previews",
      summary: "Removes a message's link preview from a form (pages without JavaScript).",
      params: removeParams,
      bodyTypes: ["form"],
      responses: { 303: "Back to the message.", ...removeAnswers },
    }),
    async (c) => {
      const parent = await remove(c);
      const id = c.req.param("id");
      const seq = c.req.param("seq");
      const thread = parent ? `?thread=${parent}` : "";
      return c.redirect(`/conversations/${encodeURIComponent(id)}${thread}#m${seq}`, 303);
    },
  );
