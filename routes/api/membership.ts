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
import { doc, type RouteDoc } from "../_openapi.ts";
import { oneConversation } from "../_api_shapes.ts";
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
const membersSchema = z.object({
  usernames: usernames.meta({ description: "Who to add: a list, or one text of names." }),
});

/** A form's checkbox or select says "true"/"on"/"1" or "false"/"off"/"0". */
const flag = z.preprocess(
  (v) => typeof v === "string" ? ["true", "on", "1"].includes(v.toLowerCase()) : v,
  z.boolean(),
);
const patchSchema = z.object({
  title: z.string().max(400).nullable().optional().meta({
    description: "A group's title or a channel's name (null: a group goes back to its names).",
  }),
  topic: z.string().max(1000).optional().meta({ description: "The topic shown in the header." }),
  archived: flag.optional().meta({ description: "Archives (read-only) or unarchives a channel." }),
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

const conversationAnswer = {
  description: "The conversation as it is now.",
  schema: oneConversation,
};
const formBack = "A form post: to the conversation's page.";
const removeDoc: RouteDoc = {
  tag: "Members",
  summary: "Removes someone from a group or channel, or yourself (leaving).",
  description: "Removing others: a channel's creator or a site admin (groups: any participant). " +
    "A direct conversation cannot be left; a project's follows the project's members.",
  params: z.object({ id: z.string(), userId: z.string() }),
  responses: {
    204: "Removed.",
    303: "A form post: to the conversation (the start page when you left).",
    403: "You may not remove that person.",
    404: "No such conversation for you, or that person is not in it.",
    409: "A direct or project conversation (`direct_conversation`, `leave_project`).",
    429: "Too many changes: wait for `Retry-After`.",
  },
};
const updateDoc: RouteDoc = {
  tag: "Conversations",
  summary: "Renames a conversation, sets its topic, or archives / unarchives a channel.",
  description: "Each change is told in the conversation as a system message.",
  body: patchSchema,
  bodyTypes: ["json", "form"],
  responses: {
    200: conversationAnswer,
    303: formBack,
    400: "An invalid field (unknown fields are refused).",
    403: "Not yours to change (archiving: the channel's creator or a site admin).",
    404: "No such conversation for you.",
    409: "A direct conversation, a channel name in use, or an archived channel.",
    429: "Too many changes: wait for `Retry-After`.",
  },
};

export const membershipRoutes = new Hono<Env>()
  .post(
    "/:id/join",
    doc({
      tag: "Members",
      summary: "Joins a public channel.",
      responses: {
        200: conversationAnswer,
        303: formBack,
        404: "No such channel (or a private one).",
        409: "Not a channel (`not_a_channel`), or archived.",
        429: "Too many changes: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { kv } = c.get("ctx");
      await limitCreation(c, user.id, "leave");
      const { record, joined } = await joinChannel(kv, c.req.param("id"), user.id);
      if (joined) await announce(c, user, record.id, { event: "joined" });
      return await answer(c, record, user.id);
    },
  )
  .post(
    "/:id/members",
    doc({
      tag: "Members",
      summary: "Adds people to a group or channel by username.",
      description: "`usernames`: a list, or one string split at spaces and commas (`@` optional).",
      body: membersSchema,
      bodyTypes: ["json", "form"],
      responses: {
        200: conversationAnswer,
        303: formBack,
        400: "Nobody named, or a name nobody has (`fields.usernames` says which).",
        403: "Not a project member (a project's group), or not allowed here.",
        404: "No such conversation for you.",
        409: "A direct conversation, someone who blocked you, or an archived channel.",
        429: "Too many changes: wait for `Retry-After`.",
      },
    }),
    async (c) => {
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
    },
  )
  .delete("/:id/members/:userId", doc(removeDoc), remove)
  // Forms cannot send DELETE: the same, as a post (the member list's Remove buttons).
  .post(
    "/:id/members/:userId/remove",
    doc({ ...removeDoc, summary: "Removes someone (or yourself) from a form." }),
    remove,
  )
  .patch("/:id", doc(updateDoc), update)
  // Forms cannot send PATCH: the same, as a post (the channel settings form).
  .post(
    "/:id/settings",
    doc({ ...updateDoc, summary: "Changes a conversation's settings from a form." }),
    update,
  );
