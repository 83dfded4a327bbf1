import assert from "node:assert/strict";
import { ConflictError } from "../errors.ts";
import {
  createUser,
  getUserById,
  getUserCredentialsByUsername,
  getUsersByIds,
  getUsersByUsernames,
  searchUsers,
  usernameSchema,
} from "./users.ts";

const PASSWORD = "correct horse battery";

Deno.test("createUser() stores a user and answers only its public fields", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = await createUser(kv, { username: "alice", password: PASSWORD });
    assert.deepEqual(Object.keys(user).sort(), [
      "displayName",
      "id",
      "isAdmin",
      "isBot",
      "username",
    ]);
    assert.equal(user.username, "alice");
    assert.equal(user.displayName, "alice", "the display name defaults to the username");
    assert.deepEqual(await getUserById(kv, user.id), user);
    const credentials = await getUserCredentialsByUsername(kv, "ALICE");
    assert.deepEqual(credentials?.user, user);
    assert.equal(credentials?.password?.alg, "argon2id");
  } finally {
    kv.close();
  }
});

Deno.test("createUser() keeps a trimmed display name and a lower-case username", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = await createUser(kv, {
      username: "Bob.Builder",
      password: PASSWORD,
      displayName: "  Bob Builder ",
    });
    assert.equal(user.username, "bob.builder");
    assert.equal(user.displayName, "Bob Builder");
  } finally {
    kv.close();
  }
});

Deno.test("createUser() with a username taken in another case throws username_taken", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const first = await createUser(kv, { username: "carol", password: PASSWORD });
    await assert.rejects(
      createUser(kv, { username: "CaRoL", password: PASSWORD }),
      (err: unknown) => {
        assert.ok(err instanceof ConflictError);
        assert.equal(err.status, 409);
        assert.equal(err.code, "username_taken");
        return true;
      },
    );
    assert.deepEqual((await getUserCredentialsByUsername(kv, "carol"))?.user, first);
  } finally {
    kv.close();
  }
});

Deno.test("usernameSchema accepts 3-32 of a-z 0-9 _ . - and folds case", () => {
  assert.equal(usernameSchema.parse(" Dan_1.x-y "), "dan_1.x-y");
  for (const bad of ["ab", "a".repeat(33), "with space", "émile", "semi;colon"]) {
    assert.equal(usernameSchema.safeParse(bad).success, false, bad);
  }
});

Deno.test("getUsersByIds() and getUsersByUsernames() keep the order and skip unknowns", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [a, b] = await Promise.all([
      createUser(kv, { username: "anna", password: PASSWORD }),
      createUser(kv, { username: "ben", password: PASSWORD }),
    ]);
    assert.deepEqual(await getUsersByIds(kv, [b.id, "nobody", a.id]), [b, a]);
    assert.deepEqual(await getUsersByUsernames(kv, ["BEN", "nobody", "anna"]), [b, a]);
  } finally {
    kv.close();
  }
});

Deno.test("searchUsers() matches username or display name case-insensitively", async (t) => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [alice, bob, carol] = await Promise.all([
      createUser(kv, { username: "alice", password: PASSWORD, displayName: "Alice Adams" }),
      createUser(kv, { username: "bob", password: PASSWORD, displayName: "Bob Brown" }),
      createUser(kv, { username: "carol", password: PASSWORD, displayName: "Carol ALIson" }),
    ]);
    const ids = (users: { id: string }[]) => users.map((u) => u.id).sort();

    await t.step("by username and by display name, in any case", async () => {
      assert.deepEqual(ids(await searchUsers(kv, "ALI")), ids([alice, carol]));
      assert.deepEqual(ids(await searchUsers(kv, "brown")), [bob.id]);
      assert.deepEqual(await searchUsers(kv, "zzz"), []);
    });
    await t.step("without the excluded user", async () => {
      assert.deepEqual(ids(await searchUsers(kv, "ali", { excludeId: alice.id })), [carol.id]);
    });
    await t.step("at most `limit` users", async () => {
      assert.equal((await searchUsers(kv, "", { limit: 2 })).length, 2);
      assert.equal((await searchUsers(kv, "")).length, 3);
    });
    await t.step("answering public fields only", async () => {
      for (const user of await searchUsers(kv, "")) {
        assert.deepEqual(Object.keys(user).sort(), [
          "displayName",
          "id",
          "isAdmin",
          "isBot",
          "username",
        ]);
      }
    });
  } finally {
    kv.close();
  }
});
