import { Hono } from "hono";
import { z } from "zod";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { listUserThreads, markThreadRead, readThread } from "../../lib/messages/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { messageShape } from "../_api_shapes.ts";

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const threadQuery = z.object({
  after: seq.optional(),
  before: seq.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const listQuery = z.object({
  cursor: z.string().max(200).optional().meta({
    description: "The previous page's `nextCursor`.",
  }),
  limit: z.coerce.number().int().min(1).max(50).optional(),
});
const readSchema = z.object({
  seq: seq.meta({ description: "The last reply you have read." }),
});

/**
 * The participant check first (an outsider gets the 404 of a missing conversation, whatever
 * the seq), then the thread's seq (not a number: the 404 of a missing thread).
 */
async function threadOf(c: AppCtx): Promise<{ conversationId: string; parentSeq: number }> {
  const user = requireUser(c);
  const conv = await getConversationRecordForUser(c.get("ctx").kv, c.req.param("id")!, user.id);
  const parsed = seqParam.safeParse(c.req.param("seq"));
  if (!parsed.success) throw new NotFoundError("Thread not found.");
  return { conversationId: conv.id, parentSeq: parsed.data };
}

const threadParams = z.object({ id: z.string(), seq: seqParam });

/** Mounted at /api/threads: the threads you take part in, newest activity first. */
export const threadsRoutes = new Hono<Env>()
  .get(
    "/",
    doc({
      tag: "Threads",
      summary: "The threads you take part in, newest activity first.",
      query: listQuery,
      responses: {
        200: "`{threads: ThreadItem[], nextCursor: string | null, unreadThreads: number}` (each " +
          "with its root message, its replies' summary and whether you have unread replies).",
        400: "An invalid `cursor` or `limit`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const query = readQuery(c, listQuery);
      return c.json(await listUserThreads(c.get("ctx").kv, user.id, query));
    },
  );

/** Mounted at /api/conversations: a thread of a conversation. */
export const conversationThreadRoutes = new Hono<Env>()
  .get(
    "/:id/threads/:seq",
    doc({
      tag: "Threads",
      summary: "A thread: its root message and a page of its replies.",
      description: "`after` / `before` page through the replies by seq.",
      params: threadParams,
      query: threadQuery,
      responses: {
        200: {
          description: "The thread's first message and a page of replies.",
          schema: z.object({
            parent: messageShape,
            replies: z.array(messageShape),
            nextCursor: z.string().nullable(),
          }),
        },
        400: "An invalid query field.",
        404: "No such conversation for you, or no such thread.",
      },
    }),
    async (c) => {
      const { conversationId, parentSeq } = await threadOf(c);
      const query = readQuery(c, threadQuery);
      return c.json(await readThread(c.get("ctx").kv, conversationId, parentSeq, query));
    },
  )
  .post(
    "/:id/threads/:seq/read",
    doc({
      tag: "Threads",
      summary: "Marks a thread read up to reply `seq`.",
      params: threadParams,
      body: readSchema,
      bodyTypes: ["json", "form"],
      responses: {
        204: "Marked (a mark never moves back).",
        303: "A form post: back to the thread.",
        400: "An invalid `seq`.",
        404: "No such conversation for you, or no such thread.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { conversationId, parentSeq } = await threadOf(c);
      const body = await readBody(c, readSchema);
      await markThreadRead(c.get("ctx").kv, user.id, conversationId, parentSeq, body.seq);
      if (isFormPost(c)) {
        return c.redirect(`/conversations/${conversationId}?thread=${parentSeq}`, 303);
      }
      return c.body(null, 204);
    },
  );
