import assert from "node:assert/strict";
import { AppError } from "../errors.ts";
import { foundedKey, userKey, usernameKey } from "../storage/mod.ts";
import { awaitingFirstAccount } from "./founding.ts";
import { createInvite, findInviteByCode, listInvites, revokeInvite } from "./invites.ts";
import { admissionFor } from "./registration.ts";
import { createUser, createUserWithoutPassword, getUserById, updateAccountFlags } from "./users.ts";

const PASSWORD = "correct horse battery";
const BASE = "http://hearth.test";

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => null, (e) => e);
  assert.ok(err instanceof AppError, `expected a refusal, got ${err}`);
  return err.code;
}

Deno.test("the first account is the site admin; the next ones are not", () =>
  withKv(async (kv) => {
    assert.equal(await awaitingFirstAccount(kv), true);
    const ann = await createUser(kv, { username: "ann", password: PASSWORD });
    const ben = await createUser(kv, { username: "ben", password: PASSWORD });
    assert.equal(ann.isAdmin, true);
    assert.equal(ben.isAdmin, false);
    assert.equal((await getUserById(kv, ann.id))?.isAdmin, true);
    assert.equal(await awaitingFirstAccount(kv), false);
    assert.deepEqual((await kv.get(foundedKey())).value, {
      at: ((await kv.get(foundedKey())).value as { at: string }).at,
      userId: ann.id,
    });
  }));

Deno.test("of many first accounts created at once, exactly one is the admin", () =>
  withKv(async (kv) => {
    const names = Array.from({ length: 8 }, (_, i) => `racer${i}`);
    const users = await Promise.all(
      names.map((username, i) =>
        i % 2
          ? createUser(kv, { username, password: PASSWORD })
          : createUserWithoutPassword(kv, { username, displayName: username })
      ),
    );
    assert.equal(users.filter((u) => u?.isAdmin).length, 1);
  }));

Deno.test("a store with accounts but no founded key gets no admin", () =>
  withKv(async (kv) => {
    // As the code before site admins wrote an account.
    const old = {
      id: "01HOLD0000000000000000000A",
      username: "old",
      displayName: "Old",
      password: null,
      createdAt: "2025-01-01T00:00:00.000Z",
    };
    await kv.atomic().set(userKey(old.id), old).set(usernameKey("old"), old.id).commit();
    assert.equal(await awaitingFirstAccount(kv), false);
    const fresh = await createUser(kv, { username: "fresh", password: PASSWORD });
    assert.equal(fresh.isAdmin, false);
    assert.equal((await getUserById(kv, old.id))?.isAdmin, false);
    assert.equal(((await kv.get(foundedKey())).value as { userId: null }).userId, null);
  }));

Deno.test("registration modes: the first account always; then invite, open, closed", () =>
  withKv(async (kv) => {
    const closed = admissionFor(kv, "closed", null);
    const admin = await createUser(kv, { username: "admin", password: PASSWORD }, {
      admission: closed,
    });
    assert.equal(admin.isAdmin, true, "the first account needs no invite, even when closed");
    const newcomer = (username: string, mode: "open" | "invite" | "closed", code?: string) =>
      createUser(kv, { username, password: PASSWORD }, { admission: admissionFor(kv, mode, code) });
    assert.equal(await refusal(newcomer("c1", "closed")), "registration_closed");
    assert.equal(await refusal(newcomer("c2", "invite")), "invite_required");
    assert.equal(await refusal(newcomer("c3", "invite", "nonsense")), "invite_invalid");
    assert.equal(await refusal(newcomer("c4", "invite", "A".repeat(22))), "invite_invalid");
    assert.equal((await newcomer("c5", "open")).isAdmin, false);
    assert.equal((await newcomer("c6", "open", "bogus-code-bogus-code")).username, "c6");
  }));

Deno.test("an invite is counted in the account's commit; the last use goes to one person", () =>
  withKv(async (kv) => {
    const admin = await createUser(kv, { username: "admin", password: PASSWORD });
    const invite = await createInvite(kv, admin, { maxUses: 2 }, BASE);
    assert.match(invite.code, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(invite.url, `${BASE}/join/${invite.code}`);
    const join = (username: string) =>
      createUser(kv, { username, password: PASSWORD }, {
        admission: admissionFor(kv, "invite", invite.code),
      });
    await join("first");
    const racers = await Promise.allSettled(["r1", "r2", "r3", "r4"].map(join));
    assert.equal(racers.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of racers) {
      if (r.status === "rejected") assert.equal((r.reason as AppError).code, "invite_invalid");
    }
    const found = await findInviteByCode(kv, invite.code, BASE);
    assert.equal(found?.invite.uses, 2);
    assert.equal(found?.usable, false);
    // A taken username does not spend a use.
    const second = await createInvite(kv, admin, {}, BASE);
    const taken = createUser(kv, { username: "first", password: PASSWORD }, {
      admission: admissionFor(kv, "invite", second.code),
    });
    assert.equal(await refusal(taken), "username_taken");
    assert.equal((await findInviteByCode(kv, second.code, BASE))?.invite.uses, 0);
  }));

Deno.test("expired and revoked invites refuse; only the creator or an admin revokes", () =>
  withKv(async (kv) => {
    const admin = await createUser(kv, { username: "admin", password: PASSWORD });
    const mia = await createUser(kv, { username: "mia", password: PASSWORD });
    const old = await createInvite(kv, mia, { expiresInDays: 1 }, BASE);
    // Expire it by hand (a day is long for a test).
    const key = ["invite", old.id];
    const record = (await kv.get<Record<string, unknown>>(key)).value!;
    await kv.set(key, { ...record, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const use = (username: string, code: string) =>
      createUser(kv, { username, password: PASSWORD }, {
        admission: admissionFor(kv, "invite", code),
      });
    assert.equal(await refusal(use("late", old.code)), "invite_invalid");

    const mine = await createInvite(kv, mia, {}, BASE);
    const stranger = await createUser(kv, { username: "stranger", password: PASSWORD });
    assert.equal(await refusal(revokeInvite(kv, stranger, mine.id)), "not_found");
    assert.deepEqual((await listInvites(kv, { createdBy: mia.id, base: BASE })).map((i) => i.id), [
      mine.id,
      old.id,
    ]);
    await revokeInvite(kv, admin, mine.id);
    assert.equal(await refusal(use("nope", mine.code)), "invite_invalid");
    assert.equal(await findInviteByCode(kv, mine.code, BASE), null);
    assert.deepEqual((await listInvites(kv, { base: BASE })).map((i) => i.id), [old.id]);
  }));

Deno.test("the invites of a disabled account stop working", () =>
  withKv(async (kv) => {
    await createUser(kv, { username: "admin", password: PASSWORD });
    const mia = await createUser(kv, { username: "mia", password: PASSWORD });
    const invite = await createInvite(kv, mia, { maxUses: 5 }, BASE);
    await updateAccountFlags(kv, mia.id, { disabled: true });
    assert.equal((await findInviteByCode(kv, invite.code, BASE))?.usable, false);
    const use = createUser(kv, { username: "newbie", password: PASSWORD }, {
      admission: admissionFor(kv, "invite", invite.code),
    });
    assert.equal(await refusal(use), "invite_invalid");
    await updateAccountFlags(kv, mia.id, { disabled: false });
    assert.equal((await findInviteByCode(kv, invite.code, BASE))?.usable, true);
  }));
