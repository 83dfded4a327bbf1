/**
 * `deno task admin` as its own process against the KV file a running server (another
 * process) uses: what it does reaches the server's sign-in, sessions and open sockets.
 */
import assert from "node:assert/strict";
import { assertError, json, sessionCookieOf } from "../support/helpers.ts";
import { runDeno, startServerProcess } from "../support/process.ts";
import { join, openSocket } from "../support/ws_client.ts";
import { encodeValue } from "../../lib/storage/mod.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const PASSWORD = "a long enough password";

/** `deno task admin ARGS` with `input` on its standard input. */
async function adminWithStdin(env: Record<string, string>, input: string, args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "admin", ...args],
    cwd: ROOT,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}

Deno.test({
  name: "deno task admin disables, resets, grants and deletes accounts on a running server",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    const kvPath = `${dir}/chat.kv`;
    const env = { KV_PATH: kvPath, LOG_LEVEL: "error" };
    const server = await startServerProcess({ args: ["run", "-A", "main.ts"], cwd: ROOT, env });
    const admin = (...args: string[]) =>
      runDeno(["task", "-q", "admin", ...args], { cwd: ROOT, env });
    const call = (method: string, path: string, body?: unknown, cookie?: string) => {
      const init = json(method, body, cookie);
      return fetch(`${server.base}${path}`, {
        ...init,
        headers: { ...init.headers as Record<string, string>, origin: server.base },
      });
    };
    const signUp = async (username: string, displayName?: string) => {
      const res = await call("POST", "/api/auth/register", {
        username,
        password: PASSWORD,
        displayName,
      });
      assert.equal(res.status, 201, await res.clone().text());
      return { user: (await res.json()).user, cookie: sessionCookieOf(res) };
    };
    const login = (username: string, password = PASSWORD) =>
      call("POST", "/api/auth/login", { username, password });
    try {
      const ann = await signUp("ann");
      let ben = await signUp("ben", "Benedikt Quaxley");
      const direct = (await (await call("POST", "/api/conversations", {
        participantIds: [ann.user.id],
      }, ben.cookie)).json()).conversation.id;
      const sent = await call("POST", `/api/conversations/${direct}/messages`, {
        content: "hello from ben",
      }, ben.cookie);
      assert.equal(sent.status, 201);

      await t.step(
        "disable: the open socket ends, the session is gone, sign-in is a 403",
        async () => {
          const socket = await openSocket(server.base, ben.cookie);
          await socket.roundTrip();
          const started = performance.now();
          const result = await admin("disable", "ben");
          assert.equal(result.code, 0, result.output);
          assert.match(result.output, /Disabled ben .*disabled/);
          const closed = await socket.waitClosed(10_000);
          console.log(
            `socket closed ${Math.round(performance.now() - started)} ms after the CLI started`,
          );
          assert.equal(closed.code, 1008);
          await assertError(
            await call("GET", "/api/conversations", undefined, ben.cookie),
            401,
            "unauthorized",
          );
          const refused = await assertError(await login("ben"), 403, "account_disabled");
          assert.match(refused.message, /disabled/);
          // A wrong password still says only that: being disabled is told to the owner alone.
          await assertError(await login("ben", "not the password"), 401, "invalid_credentials");
        },
      );

      await t.step("enable: ben signs in again", async () => {
        assert.equal((await admin("enable", "ben")).code, 0);
        const res = await login("ben");
        assert.equal(res.status, 200);
        ben = { user: ben.user, cookie: sessionCookieOf(res) };
      });

      await t.step("grant-admin and revoke-admin set the role, list shows it", async () => {
        const isAdmin = async () =>
          (await (await call("GET", "/api/auth/check", undefined, ann.cookie)).json()).user.isAdmin;
        assert.equal((await admin("grant-admin", "ann")).code, 0);
        assert.match((await admin("list")).output, /^ann .*\[site admin\]$/m);
        // The role is read from the record on every request: the API says so at once.
        assert.equal(await isAdmin(), true);
        assert.equal((await admin("revoke-admin", "ann")).code, 0);
        assert.doesNotMatch((await admin("list")).output, /site admin/);
        assert.equal(await isAdmin(), false);
      });

      await t.step("reset-password: the old password and sessions stop working", async () => {
        const socket = await openSocket(server.base, ben.cookie);
        await socket.roundTrip();
        const result = await adminWithStdin(env, "a brand new passphrase\n", [
          "reset-password",
          "ben",
          "--password-stdin",
        ]);
        assert.equal(result.code, 0, result.output);
        assert.equal((await socket.waitClosed(10_000)).code, 1008);
        await assertError(await login("ben"), 401, "invalid_credentials");
        const res = await login("ben", "a brand new passphrase");
        assert.equal(res.status, 200);
        ben = { user: ben.user, cookie: sessionCookieOf(res) };
      });

      await t.step("wrong usage exits 2, an unknown account 1", async () => {
        assert.equal((await admin("frobnicate")).code, 2);
        assert.equal((await admin("disable")).code, 2);
        const missing = await admin("disable", "nobody");
        assert.equal(missing.code, 1);
        assert.match(missing.output, /no account named "nobody"/);
      });

      await t.step(
        "delete: refused while ben owns a project with members, then handed over",
        async () => {
          const shared =
            (await (await call("POST", "/api/projects", { name: "Shared" }, ben.cookie))
              .json()).project;
          const added = await call("POST", `/api/projects/${shared.id}/members`, {
            username: "ann",
          }, ben.cookie);
          assert.equal(added.status, 201);
          const solo = (await (await call("POST", "/api/projects", { name: "Solo" }, ben.cookie))
            .json()).project;
          const socket = await openSocket(server.base, ben.cookie);
          // In the room: the server writes his presence (name included) to KV.
          await join(socket, direct);
          const hash = await (async () => {
            const kv = await Deno.openKv(kvPath);
            try {
              const record = (await kv.get<{ password: unknown }>(["user", ben.user.id])).value;
              // The presence view naming him is in KV (so its removal below means something).
              let named = false;
              for (let i = 0; i < 100 && !named; i++) {
                for await (const e of kv.list({ prefix: ["presence", direct] })) {
                  named ||= JSON.stringify(e.value).includes("Quaxley");
                }
                if (!named) await new Promise((r) => setTimeout(r, 50));
              }
              assert.ok(named, "his presence was written");
              return JSON.stringify(encodeValue(record?.password));
            } finally {
              kv.close();
            }
          })();
          assert.ok(hash.length > 40, `a password hash: ${hash}`);

          const refused = await admin("delete", "ben", "--yes");
          assert.equal(refused.code, 1);
          assert.match(refused.output, /owns projects with other members: Shared/);
          assert.equal(
            (await login("ben", "a brand new passphrase")).status,
            200,
            "nothing changed",
          );

          const result = await admin("delete", "ben", "--transfer-to", "ann", "--yes");
          assert.equal(result.code, 0, result.output);
          assert.match(result.output, /deleted 1 projects/);
          assert.equal((await socket.waitClosed(10_000)).code, 1008);

          // Ann owns Shared now; Solo is gone.
          const project =
            await (await call("GET", `/api/projects/${shared.id}`, undefined, ann.cookie))
              .json();
          assert.equal(project.project.role, "owner");
          assert.deepEqual(
            project.members.map((m: { user: { username: string } }) => m.user.username),
            [
              "ann",
            ],
          );
          // Ben's message stays, by "Deleted user"; the direct conversation names him so too.
          const history = await (await call(
            "GET",
            `/api/conversations/${direct}/messages`,
            undefined,
            ann.cookie,
          ))
            .json();
          assert.equal(history.messages[0].content, "hello from ben");
          assert.equal(history.messages[0].author.displayName, "Deleted user");
          const page = await (await call("GET", `/conversations/${direct}`, undefined, ann.cookie))
            .text();
          assert.match(page, /Deleted user/);
          assert.doesNotMatch(page, />ben</);
          // The name is free again.
          const again = await call("POST", "/api/auth/register", {
            username: "ben",
            password: PASSWORD,
          });
          assert.equal(again.status, 201);
          assert.notEqual((await again.json()).user.id, ben.user.id);

          // Nothing personal of the old ben is left in the store.
          const kv = await Deno.openKv(kvPath);
          try {
            // His socket's end reaches the server's presence view a moment after the close.
            const presenceOf = async () => {
              const left = [];
              for await (const e of kv.list({ prefix: ["presence"] })) {
                if (JSON.stringify(e.value).includes(ben.user.id)) left.push(e.key);
              }
              return left;
            };
            for (let i = 0; i < 100 && (await presenceOf()).length > 0; i++) {
              await new Promise((r) => setTimeout(r, 50));
            }
            assert.deepEqual(await presenceOf(), [], "his presence is gone");
            for await (const e of kv.list({ prefix: [] })) {
              const text = JSON.stringify(encodeValue(e.value));
              assert.ok(!text.includes("Quaxley"), `his name is left in ${JSON.stringify(e.key)}`);
              assert.ok(!text.includes(hash), `his password hash is left in ${e.key}`);
            }
            for await (const e of kv.list({ prefix: [] })) {
              const [prefix] = e.key;
              const mentions = e.key.includes(ben.user.id) ||
                JSON.stringify(encodeValue(e.value)).includes(ben.user.id);
              if (!mentions) continue;
              // Kept on purpose: his messages, their index and change log, files' uploader,
              // the direct conversation that names him, who created a project (history),
              // and what expires on its own: rate counters, the account-events signal, the
              // typing and activity signals between processes (60 s).
              const kept = [
                "msg",
                "msg_client",
                "msg_change",
                "conv_head",
                "conv",
                "direct_pair",
                "search",
                "project",
                "file",
                "rate",
                "account_events",
                "signal",
              ];
              assert.ok(
                kept
                  .includes(String(prefix)),
                `left behind: ${JSON.stringify(e.key)}`,
              );
            }
            const projects = [];
            for await (const e of kv.list({ prefix: ["project", solo.id] })) projects.push(e);
            assert.equal(projects.length, 0, "the solo project is deleted");
          } finally {
            kv.close();
          }
        },
      );
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
