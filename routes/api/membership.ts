/**
 * Changing who takes part and a conversation's settings (mounted at /api/conversations,
 * after conversationRoutes): join a public channel, add people, remove them (or yourself),
 * rename, set the topic, archive. Each change is posted in the conversation as a system
 * message, and a removed person's sockets stop receiving from it at once (Hub.evict).
 * Forms (no JavaScript) get a 303 to the conversation's page (or the start page when the
 * person is no longer in it).
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  addMembers,
  type ConversationRecord,
  getConversationRecord,
  joinChannel,
  removeMember,
  updateConversation,
} from "../../lib/conversations/mod.ts";
import { ValidationError } from "../../lib/errors.ts";
import { getChannelForUser, getConversationForUser } from "../../lib/messages/mod.ts";
import type { SystemRecord } from "../../lib/shared/message.ts";
import type { User } from "../../lib/accounts/mod.ts";
import { getUsersByUsernames } from "../../lib/accounts/mod.ts";
import { describeError, log } from "../../lib/ops/mod.ts";
import { requireProjectMembers } from "../../lib/projects/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";
import { limitCreation } from "./_limits.ts";

/**
 * Posts a system message in the conversation, as `actor`. The change it tells of is
 * committed already: a failure to post it is logged, never the request's failure.
 */
export async function announce(
  c: AppCtx,
  actor: User,
  conversationId: string,
  system: SystemRecord,
): Promise<void> {
  try {
    await c.get("ctx").hub.sendSystem(actor, conversationId, system);
  } catch (err) {
    log("warn", "system message not posted", {
      conversationId,
      event: system.event,
      ...describeError(err),
    });
  }
}

/** `@ann, ben` or a list: usernames without their "@", at most 255. */
const usernames = z.preprocess(
  (v) => (typeof v === "string" ? v.split(/[\s,]+/) : v),
  z.array(z.string().max(64)).max(255),
).transform((names) => [
  ...new Set(names.map((n) => n.trim().replace(/^@/, "").toLowerCase()).filter(Boolean)),
]);
const membersSchema = z.object({ usernames });

/** A form's checkbox or select says "true"/"on"/"1" or "false"/"off"/"0". */
const flag = z.preprocess(
  (v) => typeof v === "string" ? ["true", "on", "1"].includes(v.toLowerCase()) : v,
  z.boolean(),
);
const patchSchema = z.object({
  title: z.string().max(400).nullable().optional(),
  topic: z.string().max(1000).optional(),
  archived: flag.optional(),
}).strict();

/**
 * The conversation as the API answers it (a channel as the directory shows it: a site admin
 * who changed a public channel need not be in it), or the form's 303 to its page.
 */
async function answer(c: AppCtx, record: ConversationRecord, userId: string) {
  if (isFormPost(c)) return c.redirect(`/conversations/${record.id}`, 303);
  const { kv } = c.get("ctx");
  const conversation = record.kind === "channel"
    ? await getChannelForUser(kv, record.id, userId)
    : await getConversationForUser(kv, record.id, userId);
  return c.json({ conversation });
}

/** DELETE …/members/:userId and its form twin. */
async function remove(c: AppCtx) {
  const user = requireUser(c);
  const { kv, hub } = c.get("ctx");
  await limitCreation(c, user.id, "leave");
  const targetId = c.req.param("userId") ?? "";
  const { record, deleted } = await removeMember(kv, c.req.param("id") ?? "", user, targetId);
  hub.evict(record.id, targetId);
  if (!deleted) {
    await announce(
      c,
      user,
      record.id,
      targetId === user.id ? { event: "left" } : { event: "removed", userIds: [targetId] },
    );
  }
  if (!isFormPost(c)) return c.body(null, 204);
  return c.redirect(targetId === user.id ? "/" : `/conversations/${record.id}`, 303);
}

/** PATCH /:id and its form twin. */
async function update(c: AppCtx) {
  const user = requireUser(c);
  const { kv } = c.get("ctx");
  const patch = await readBody(c, patchSchema);
  await limitCreation(c, user.id, "leave");
  const { record, events } = await updateConversation(kv, c.req.param("id") ?? "", user, patch);
  for (const event of events) await announce(c, user, record.id, event);
  return await answer(c, record, user.id);
}

export const membershipRoutes = new Hono<Env>()
  .post("/:id/join", async (c) => {
    const user = requireUser(c);
    const { kv } = c.get("ctx");
    await limitCreation(c, user.id, "leave");
    const { record, joined } = await joinChannel(kv, c.req.param("id"), user.id);
    if (joined) await announce(c, user, record.id, { event: "joined" });
    return await answer(c, record, user.id);
  })
  .post("/:id/members", async (c) => {
    const user = requireUser(c);
    const { kv } = c.get("ctx");
    const input = await readBody(c, membersSchema);
    if (input.usernames.length === 0) {
      const says = "Name at least one person.";
      throw new ValidationError(says, { usernames: says });
    }
    await limitCreation(c, user.id, "leave");
    const found = await getUsersByUsernames(kv, input.usernames);
    const missing = input.usernames.filter((n) => !found.some((u) => u.username === n));
    if (missing.length) {
      const says = `Nobody is called ${missing.map((n) => `@${n}`).join(", ")}.`;
      throw new ValidationError(says, { usernames: says });
    }
    // A group inside a project takes only the project's members (as at its creation).
    const group = await getConversationRecord(kv, c.req.param("id"));
    if (group?.kind === "group" && group.projectId && group.participantIds.includes(user.id)) {
      await requireProjectMembers(kv, group.projectId, found);
    }
    const { record, added } = await addMembers(kv, c.req.param("id"), user, found);
    if (added.length) await announce(c, user, record.id, { event: "added", userIds: added });
    return await answer(c, record, user.id);
  })
  .delete("/:id/members/:userId", remove)
  // Forms cannot send DELETE: the same, as a post (the member list's Remove buttons).
  .post("/:id/members/:userId/remove", remove)
  .patch("/:id", update)
  // Forms cannot send PATCH: the same, as a post (the channel settings form).
  .post("/:id/settings", update);
