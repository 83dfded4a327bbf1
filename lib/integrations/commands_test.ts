/** Slash commands: reading the composer's text, the suggestions, and what each command does. */
import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { formatMessage } from "../messages/mod.ts";
import { getConversationRecord } from "../conversations/mod.ts";
import { getNotifyPrefs } from "../notify/mod.ts";
import { COMMANDS, readComposerText, suggestCommands } from "../shared/commands.ts";
import { plainText } from "../shared/plain_text.ts";
import { headKey } from "../storage/mod.ts";
import { runCommand } from "./mod.ts";
import { createConversationVia, registerUser, withApp } from "../../tests/support/helpers.ts";

Deno.test("readComposerText() reads a command, its name in any case, and `//` as a message", () => {
  assert.deepEqual(readComposerText("/topic  Launch on Friday "), {
    kind: "command",
    name: "topic",
    args: "Launch on Friday",
  });
  assert.deepEqual(readComposerText("/SHRUG"), { kind: "command", name: "shrug", args: "" });
  assert.deepEqual(readComposerText("/me\nwaves"), { kind: "command", name: "me", args: "waves" });
  assert.deepEqual(readComposerText("/"), { kind: "command", name: "", args: "" });
  assert.deepEqual(readComposerText("//etc/hosts is odd"), {
    kind: "message",
    content: "/etc/hosts is odd",
  });
  assert.deepEqual(readComposerText("see /help"), { kind: "message", content: "see /help" });
});

Deno.test("suggestCommands() lists the commands starting with what is typed, only while naming one", () => {
  assert.deepEqual(suggestCommands("/")?.map((c) => c.name), COMMANDS.map((c) => c.name));
  assert.deepEqual(suggestCommands("/sh")?.map((c) => c.name), ["shrug"]);
  assert.deepEqual(suggestCommands("/M")?.map((c) => c.name), ["me", "mute"]);
  assert.deepEqual(suggestCommands("/zz"), []);
  assert.equal(suggestCommands("/shrug well"), null);
  assert.equal(suggestCommands("hello"), null);
  assert.equal(suggestCommands("//"), null);
});

/** The AppError `fn` throws (fails when it throws nothing or something else). */
async function refusal(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

Deno.test("runCommand()", async (t) => {
  await withApp(async (app) => {
    const { kv, hub } = app.ctx;
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Plans");
    const conversation = (await getConversationRecord(kv, id))!;
    const run = (text: string) => runCommand({ kv, hub }, { user: ann.user, conversation, text });

    await t.step("/me sends the text in italics, one emphasis whatever it holds", async () => {
      const { command, result } = await run("/me  fixes  snake_case \\ paths");
      assert.equal(command, "me");
      assert.equal(result.kind, "sent");
      if (result.kind !== "sent") return;
      assert.equal(result.message.author.id, ann.user.id);
      assert.deepEqual(formatMessage(result.message.content), [
        ["p", ["em", "fixes snake_case \\ paths"]],
      ]);
    });

    await t.step("/shrug appends ¯\\_(ツ)_/¯ as it looks, arms and all", async () => {
      const { result } = await run("/shrug no idea");
      assert.equal(result.kind, "sent");
      if (result.kind !== "sent") return;
      const content = result.message.content;
      assert.equal(plainText(content, formatMessage(content)), "no idea ¯\\_(ツ)_/¯");
      const alone = (await run("/shrug")).result;
      assert.equal(alone.kind === "sent" && alone.message.content, "¯\\\\\\_(ツ)\\_/¯");
    });

    await t.step("/mute toggles your setting, and says so", async () => {
      const first = (await run("/mute")).result;
      assert.deepEqual(first.kind === "done" && first.notifications, {
        level: "mentions",
        muted: true,
      });
      assert.equal((await getNotifyPrefs(kv, [ann.user.id], conversation))[0].muted, true);
      const second = (await run("/mute")).result;
      assert.match(second.kind === "done" ? second.text : "", /^Unmuted/);
      assert.equal((await getNotifyPrefs(kv, [ann.user.id], conversation))[0].muted, false);
      // Only yours: Ben's stays as it was.
      assert.equal((await getNotifyPrefs(kv, [ben.user.id], conversation))[0].muted, false);
    });

    await t.step("/help gives the list and sends nothing", async () => {
      const before = (await kv.get(headKey(id))).versionstamp;
      const { result } = await run("/help");
      assert.deepEqual(result, { kind: "help", commands: [...COMMANDS] });
      assert.equal((await kv.get(headKey(id))).versionstamp, before);
    });

    await t.step(
      "an unknown command is refused by name, the bare / and a message too",
      async () => {
        const unknown = await refusal(() => run("/frobnicate now"));
        assert.equal(unknown.status, 400);
        assert.equal(unknown.code, "unknown_command");
        assert.equal(
          unknown.message,
          "There is no /frobnicate command. Type /help to see the commands.",
        );
        assert.equal((await refusal(() => run("/"))).code, "unknown_command");
        assert.equal((await refusal(() => run("hello"))).code, "unknown_command");
        assert.equal((await refusal(() => run("//hello"))).code, "unknown_command");
        const long = await refusal(() => run(`/${"x".repeat(500)}`));
        assert.ok(long.message.length < 120, "a long name is not echoed whole");
      },
    );

    await t.step("a command without what it needs says how to write it", async () => {
      for (const text of ["/me", "/topic", "/invite", "/invite @ ,"]) {
        const err = await refusal(() => run(text));
        assert.equal(err.code, "invalid_input", text);
        assert.match(err.message, /e\.g\. \//, text);
      }
    });

    await t.step("/me past the message limit is refused with the limit's words", async () => {
      const err = await refusal(() => run(`/me ${"_".repeat(2500)}`));
      assert.equal(err.code, "invalid_input");
      assert.match(err.message, /4,000/);
    });
  });
});
