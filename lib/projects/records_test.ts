import assert from "node:assert/strict";
import { canManage } from "./records.ts";

Deno.test("canManage() lets a project's owners and admins manage its members and files, not plain members", () => {
  assert.equal(canManage("owner"), true);
  assert.equal(canManage("admin"), true);
  assert.equal(canManage("member"), false);
});
