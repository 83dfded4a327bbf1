/** Incoming webhooks: reading Slack's shape, and a webhook that cannot join leaves nothing behind. */
import assert from "node:assert/strict";
import { ulid } from "ulid";
import { listAccounts } from "../accounts/mod.ts";
import { addParticipants, createConversation, MAX_PARTICIPANTS } from "../conversations/mod.ts";
import { AppError, ValidationError } from "../errors.ts";
import { webhooksPrefix } from "../storage/mod.ts";
import { createIncomingWebhook, slackMessageOf } from "./mod.ts";
import { registerUser, withApp } from "../../tests/support/helpers.ts";

/** The fields a ValidationError names (fails on anything else). */
function refusedFields(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.fields ?? {};
    throw err;
  }
  throw new Error("expected a ValidationError");
}

Deno.test("slackMessageOf() reads JSON fields or a payload, cleans the username, names what is wrong", () => {
  assert.deepEqual(slackMessageOf({ text: "  hi  " }), { text: "hi" });
  assert.deepEqual(slackMessageOf({ payload: '{"text": "ok", "username": "CI\\u200b", "x": 1}' }), {
    text: "ok",
    username: "CI",
  });
  // A payload wins over loose fields, as in Slack.
  assert.deepEqual(slackMessageOf({ text: "field", payload: '{"text": "payload"}' }), {
    text: "payload",
  });
  assert.deepEqual(slackMessageOf({ text: "x", username: "\u202e" }), { text: "x" });
  assert.ok(refusedFields(() => slackMessageOf({})).text);
  assert.ok(refusedFields(() => slackMessageOf({ text: " \n " })).text);
  assert.ok(refusedFields(() => slackMessageOf({ text: "x".repeat(4001) })).text);
  assert.ok(refusedFields(() => slackMessageOf({ payload: "text=hi" })).payload);
  assert.ok(refusedFields(() => slackMessageOf({ payload: '"just a string"' })).text);
  assert.ok(refusedFields(() => slackMessageOf({ text: "hi", username: "u".repeat(65) })).username);
});

Deno.test("createIncomingWebhook() in a full conversation: refused, no record left, its bot disabled", async () => {
  await withApp(async (app) => {
    const { kv } = app.ctx;
    const ann = (await registerUser(app, { username: "ann" })).user;
    const ben = (await registerUser(app, { username: "ben" })).user;
    const { conversation } = await createConversation(kv, ann, {
      others: [ben],
      kind: "channel",
      title: "crowded",
    });
    // Members need not be accounts here: only the count matters.
    const fill = Array.from({ length: MAX_PARTICIPANTS - 2 }, () => ulid());
    await addParticipants(kv, conversation.id, fill);
    await assert.rejects(
      createIncomingWebhook(kv, conversation.id, ann, { name: "Late", base: "http://x" }),
      (err) => err instanceof AppError && err.status === 400,
    );
    assert.deepEqual(
      await Array.fromAsync(kv.list({ prefix: webhooksPrefix(conversation.id) })),
      [],
    );
    const bots = (await listAccounts(kv)).filter((a) => a.isBot);
    assert.equal(bots.length, 1);
    assert.ok(bots[0].disabledAt, "the bot that could not join is disabled");
  });
});
