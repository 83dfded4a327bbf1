import assert from "node:assert/strict";
import { commandChoice, moveChoice, sendsAsTyped } from "./slash_commands.ts";

Deno.test("commandChoice() follows the draft and keeps the chosen command while it is offered", () => {
  const all = commandChoice("/", null)!;
  assert.equal(all.index, 0);
  const onMute = { ...all, index: all.items.findIndex((c) => c.name === "mute") };
  const narrowed = commandChoice("/m", onMute)!;
  assert.deepEqual(narrowed.items.map((c) => c.name), ["me", "mute"]);
  assert.equal(narrowed.items[narrowed.index].name, "mute", "still on /mute");
  assert.equal(commandChoice("/sh", onMute)!.index, 0, "gone: the first");
  assert.equal(commandChoice("/zz", all), null);
  assert.equal(commandChoice("/me waves", all), null);
});

Deno.test("moveChoice() wraps around; sendsAsTyped() only for a command typed out that takes nothing", () => {
  const list = commandChoice("/m", null)!;
  assert.equal(moveChoice(list, -1).index, 1);
  assert.equal(moveChoice(moveChoice(list, 1), 1).index, 0);
  assert.equal(sendsAsTyped("/help", commandChoice("/help", null)!), true);
  assert.equal(sendsAsTyped("/HELP", commandChoice("/HELP", null)!), true);
  assert.equal(sendsAsTyped("/me", commandChoice("/me", null)!), false, "/me needs its text");
  assert.equal(sendsAsTyped("/h", commandChoice("/h", null)!), false, "not typed out");
});
