import { Hono } from "hono";
import { z } from "zod";
import {
  blockUser,
  CONVERSATION_PAGE,
  createChannel,
  createConversation,
  getConversationRecordForUser,
  leaveConversation,
  listBlocked,
  unblockUser,
} from "../../lib/conversations/mod.ts";
import { ValidationError } from "../../lib/errors.ts";
import {
  attachmentsForSend,
  clearSentDraft,
  getConversationForUser,
  historyReadKeys,
  listConversationsForUser,
  markRead,
  openHistory,
} from "../../lib/messages/mod.ts";
import { getProjectForUser, requireProjectMembers } from "../../lib/projects/mod.ts";
import { withNotifications } from "../../lib/notify/mod.ts";
import { getUsersByIds, getUsersByUsernames, searchUsers } from "../../lib/accounts/mod.ts";
import {
  type AppCtx,
  type Env,
  isFormPost,
  prefetched,
  prefetchRoute,
  readBody,
  readQuery,
  requireUser,
} from "../_http.ts";
import { doc } from "../_openapi.ts";
import { commandFromForm } from "./commands.ts";
import {
  conversationDocs,
  createSchema,
  historySchema,
  listSchema,
  postSchema,
  readSchema,
  usersSchema,
} from "./_conversations_doc.ts";
import { limitCreation } from "./_limits.ts";
import { announce } from "./membership.ts";

/**
 * The signed-in user leaves conversation `:id` (and, with `block`, blocks who pulled them
 * in: a direct conversation's other person, a group's creator); their open sockets stop
 * receiving from it at once.
 */
async function leave(c: AppCtx, block: boolean) {
  const user = requireUser(c);
  const { kv, hub } = c.get("ctx");
  await limitCreation(c, user.id, "leave");
  const { record, deleted } = await leaveConversation(kv, c.req.param("id") ?? "", user.id, {
    direct: block,
  });
  hub.evict(record.id, user.id);
  if (!deleted && record.kind !== "direct") await announce(c, user, record.id, { event: "left" });
  if (block) {
    const whom = record.kind === "direct"
      ? record.participantIds.find((id) => id !== user.id)
      : record.createdBy;
    if (whom && whom !== user.id) await blockUser(kv, user.id, whom);
  }
  return isFormPost(c) ? c.redirect("/", 303) : c.body(null, 204);
}

/** POST / with `kind: "channel"`: 201 with the channel (a form: 303 to its page). */
async function newChannel(c: AppCtx, input: z.infer<typeof createSchema>) {
  const user = requireUser(c);
  const { kv } = c.get("ctx");
  if (input.title === undefined) {
    throw new ValidationError("Give the channel a name.", { title: "Give the channel a name." });
  }
  const record = await createChannel(kv, user, {
    title: input.title,
    topic: input.topic,
    visibility: input.visibility,
  });
  await announce(c, user, record.id, { event: "created", title: record.title ?? "" });
  if (isFormPost(c)) return c.redirect(`/conversations/${record.id}`, 303);
  const view = await getConversationForUser(kv, record.id, user.id);
  return c.json({ conversation: (await withNotifications(kv, user.id, [view]))[0] }, 201);
}

/**
 * The REST message page (the most read answer): its membership, head and authors' revision
 * are read in the session's getMany (routes/_http.ts prefetchRoute), so a request costs one
 * KV round trip while the page is cached (lib/messages/history_cache.ts).
 */
const HISTORY_PATH = /^\/api\/conversations\/([^/]+)\/messages$/;
prefetchRoute("GET", HISTORY_PATH, (match, userId) => historyReadKeys(match[1], userId));

export const conversationRoutes = new Hono<Env>()
  .get("/", doc(conversationDocs.list), async (c) => {
    const user = requireUser(c);
    const query = readQuery(c, listSchema);
    // The contract's list, without parameters, is all of them; paging is asked for.
    const limit = query.limit ?? (query.cursor ? CONVERSATION_PAGE : Infinity);
    const kv = c.get("ctx").kv;
    const { values, cursor, alongside } = await listConversationsForUser(kv, user.id, {
      cursor: query.cursor,
      limit,
      username: user.username,
      // Each with your own notification setting (notify's prefs): the sidebar dims the muted.
      // Read beside the rows' views (one KV round trip less in series).
      alongside: (rows) => withNotifications(kv, user.id, rows),
    });
    const prefs = new Map(alongside!.map((r) => [r.id, r.notifications]));
    const conversations = values.map((v) => ({ ...v, notifications: prefs.get(v.id)! }));
    return c.json({ conversations, nextCursor: cursor });
  })
  .get("/users", doc(conversationDocs.users), async (c) => {
    const user = requireUser(c);
    const { search } = readQuery(c, usersSchema);
    // Each look-up may read every account (searchUsers): counted like the other searches.
    await limitCreation(c, user.id, "people_search");
    return c.json({
      users: await searchUsers(c.get("ctx").kv, search, { limit: 20, excludeId: user.id }),
    });
  })
  .post("/", doc(conversationDocs.create), async (c) => {
    const user = requireUser(c);
    const { kv } = c.get("ctx");
    const input = await readBody(c, createSchema);
    await limitCreation(c, user.id, "conversation");
    if (input.kind === "channel") return await newChannel(c, input);
    const wanted = [...(input.participantIds ?? [])];
    const byId = await getUsersByIds(kv, wanted);
    const byName = await getUsersByUsernames(kv, input.usernames ?? []);
    const missing = (input.usernames ?? []).filter((n) =>
      !byName.some((u) => u.username === n.toLowerCase())
    )
      .concat(wanted.filter((id) => !byId.some((u) => u.id === id)));
    if (missing.length) {
      throw new ValidationError("Some people could not be found.", {
        participants: `Unknown: ${missing.join(", ")}`,
      });
    }
    const others = [...byId, ...byName];
    if (input.projectId) {
      // A conversation inside a project: you and everyone in it must be project members.
      const project = await getProjectForUser(kv, input.projectId, user.id);
      await requireProjectMembers(kv, project.id, others);
    }
    const { conversation, created } = await createConversation(kv, user, {
      others,
      title: input.title,
      projectId: input.projectId ?? null,
      kind: input.projectId ? "group" : undefined,
    });
    if (isFormPost(c)) return c.redirect(`/conversations/${conversation.id}`, 303);
    // With your notification setting: a direct conversation found again keeps the one you chose.
    const view = await getConversationForUser(kv, conversation.id, user.id);
    const [withPref] = await withNotifications(kv, user.id, [view]);
    return c.json({ conversation: withPref }, created ? 201 : 200);
  })
  // Who you block: they cannot start conversations with you or add you to one (item 11).
  .get("/blocked", doc(conversationDocs.blocked), async (c) => {
    const user = requireUser(c);
    const { kv } = c.get("ctx");
    return c.json({ users: await getUsersByIds(kv, await listBlocked(kv, user.id)) });
  })
  .delete("/blocked/:userId", doc(conversationDocs.unblock), async (c) => {
    const user = requireUser(c);
    await unblockUser(c.get("ctx").kv, user.id, c.req.param("userId"));
    return c.body(null, 204);
  })
  // Forms cannot send DELETE: the same, as a post (the account page's Unblock buttons).
  .post("/blocked/:userId/remove", doc(conversationDocs.unblockForm), async (c) => {
    const user = requireUser(c);
    await unblockUser(c.get("ctx").kv, user.id, c.req.param("userId"));
    return isFormPost(c) ? c.redirect("/account?done=unblocked", 303) : c.body(null, 204);
  })
  .post("/:id/leave", doc(conversationDocs.leave), (c) => leave(c, false))
  .post("/:id/block", doc(conversationDocs.block), (c) => leave(c, true))
  .get("/:id", doc(conversationDocs.get), async (c) => {
    const user = requireUser(c);
    const { kv } = c.get("ctx");
    const conversation = await getConversationForUser(kv, c.req.param("id"), user.id);
    const [withPref] = await withNotifications(kv, user.id, [conversation]);
    return c.json({ conversation: withPref });
  })
  .get("/:id/messages", doc(conversationDocs.history), async (c) => {
    const user = requireUser(c);
    const { kv } = c.get("ctx");
    // The participant check first (an outsider's 404 whatever the query), from the entries
    // loadSession read with the session when it could (see HISTORY_PATH).
    const id = c.req.param("id");
    const keys = historyReadKeys(id, user.id);
    const read = await openHistory(kv, id, user.id, prefetched(c, user.id, keys));
    const query = readQuery(c, historySchema);
    const given = [query.before, query.after, query.around].filter((v) => v !== undefined);
    if (given.length > 1) {
      throw new ValidationError("Use one of before, after and around.", {
        before: "Use one of before, after and around.",
      });
    }
    // The page as JSON text, cached with the page while the conversation does not change.
    const { json } = await read(query);
    return c.body(json(), 200, { "Content-Type": "application/json" });
  })
  .post("/:id/messages", doc(conversationDocs.send), async (c) => {
    const user = requireUser(c);
    const { kv, hub } = c.get("ctx");
    await getConversationRecordForUser(kv, c.req.param("id"), user.id);
    const { attachmentIds, ...input } = await readBody(c, postSchema);
    const conversationId = c.req.param("id");
    // A page without JavaScript sends slash commands (`/topic …`) through its composer too.
    if (isFormPost(c) && !attachmentIds?.length) {
      const done = await commandFromForm(
        c,
        user,
        conversationId,
        input.content ?? "",
        input.parentSeq,
      );
      if (done) return done;
    }
    const attachments = await attachmentsForSend(kv, {
      conversationId,
      senderId: user.id,
      content: input.content,
      attachmentIds,
    });
    const { message, created } = await hub.send(user, { conversationId, ...input, attachments });
    // Sent: the draft there goes, on every device (a form's composer started from it).
    const parentSeq = message.parentSeq ?? null;
    const cleared = created && await clearSentDraft(kv, {
      userId: user.id,
      conversationId,
      parentSeq,
      content: isFormPost(c) ? undefined : input.content ?? "",
    });
    if (cleared) hub.draftChanged(user.id, conversationId, parentSeq, "");
    if (isFormPost(c)) {
      // A reply goes back to its thread (the page shows it with `?thread=`).
      const thread = message.parentSeq ? `?thread=${message.parentSeq}` : "";
      return c.redirect(`/conversations/${message.conversationId}${thread}#m${message.seq}`, 303);
    }
    return c.json({ message }, created ? 201 : 200);
  })
  .post("/:id/read", doc(conversationDocs.read), async (c) => {
    const user = requireUser(c);
    const { kv, hub } = c.get("ctx");
    const conv = await getConversationRecordForUser(kv, c.req.param("id"), user.id);
    const { seq } = await readBody(c, readSchema);
    const moved = await markRead(kv, conv.id, { userId: user.id, seq });
    if (moved !== null) hub.readMoved(user.id, conv.id, moved);
    return c.body(null, 204);
  });
