/**
 * `deno task export` and `deno task import` as real subprocesses on temp-file stores: a store
 * populated through the app's own functions comes back entry for entry, with every file's
 * bytes; an export taken while messages are being written imports cleanly.
 */
import assert from "node:assert/strict";
import { createChannel, createConversation } from "../../lib/conversations/mod.ts";
import { getFileRecord, listFiles, readFileRange, storeFile } from "../../lib/files/mod.ts";
import {
  changeMessage,
  getDraft,
  listMessages,
  listSaved,
  markRead,
  saveDraft,
  saveMessage,
  sendMessage,
} from "../../lib/messages/mod.ts";
import { addProjectMember, createProject } from "../../lib/projects/mod.ts";
import {
  createSession,
  createUser,
  updateSiteSettings,
  type User,
} from "../../lib/accounts/mod.ts";
import { decodeValue, encodeValue } from "../../lib/storage/mod.ts";
import { exportStore, importStore } from "../../lib/admin/mod.ts";
import { saveSubscription } from "../../lib/notify/mod.ts";
import { pushSubCountKey } from "../../lib/storage/mod.ts";
import { searchMessages } from "../../lib/search/mod.ts";
import { newClientId } from "../../lib/shared/client_id.ts";
import { randomBytes, sha256Hex } from "../support/util.ts";
import { runDeno, startServerProcess } from "../support/process.ts";
import { sessionCookieOf } from "../support/helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Runs `deno task NAME ARGS` on the store at `kvPath`; returns its exit code and output. */
async function task(name: string, args: string[], kvPath: string) {
  const { code, output } = await runDeno(["task", "-q", name, ...args], {
    cwd: ROOT,
    env: { KV_PATH: kvPath, LOG_LEVEL: "error" },
  });
  return { code, text: output };
}

async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 50_000) yield bytes.subarray(i, i + 50_000);
}

/** Every entry of the store, as comparable JSON, by key. */
async function dump(kv: Deno.Kv, skip: string[] = []): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for await (const e of kv.list({ prefix: [] })) {
    if (skip.includes(String(e.key[0]))) continue;
    all.set(JSON.stringify(encodeValue(e.key)), JSON.stringify(encodeValue(e.value)));
  }
  return all;
}

async function fileHash(kv: Deno.Kv, projectId: string, fileId: string): Promise<string> {
  const record = await getFileRecord(kv, projectId, fileId);
  const body = readFileRange(kv, record, { start: 0, end: Math.max(0, record.size - 1) });
  return await sha256Hex(new Uint8Array(await new Response(body).arrayBuffer()));
}

/** A store with people, a project with files (one of many chunks), conversations, changes. */
async function populate(kv: Deno.Kv) {
  const password = "correct horse battery";
  const ann = await createUser(kv, { username: "ann", password, displayName: "Ann Ä" });
  const ben = await createUser(kv, { username: "ben", password });
  const cy = await createUser(kv, { username: "cy", password });
  await createSession(kv, ann.id, { ttlMs: 86_400_000, idleMs: 3_600_000 });
  const project = await createProject(kv, ann, { name: "Apollo", description: "to the moon" });
  await addProjectMember(kv, project, { user: ben, role: "admin" });
  const upload = (name: string, bytes: Uint8Array, uploader: User) =>
    storeFile(kv, project, {
      uploader,
      name,
      body: chunks(bytes),
      maxBytes: 10_000_000,
      quotaBytes: 100_000_000,
      userQuotaBytes: 100_000_000,
    });
  const files = [
    await upload("big.bin", randomBytes(700_000), ann), // 11 chunks: two commits' worth
    await upload("notes.txt", new TextEncoder().encode("héllo\n"), ben),
    await upload("empty", new Uint8Array(), ben),
  ];
  const { conversation: direct } = await createConversation(kv, ann, { others: [ben] });
  const { conversation: group } = await createConversation(kv, ben, {
    others: [ann, cy],
    title: "Lunch 🍜",
  });
  // Every third clientId a UUIDv7, as the islands send (its entry is filed by time).
  const timeIds = new Map<number, string>();
  for (let i = 1; i <= 30; i++) {
    if (i % 3 === 0) timeIds.set(i, newClientId());
    await sendMessage(kv, i % 2 ? ann : ben, {
      conversationId: direct.id,
      content: `message ${i} über café`,
      clientId: timeIds.get(i) ?? `c${i}`,
    });
  }
  await sendMessage(kv, cy, {
    conversationId: group.id,
    content: "noodles?",
    clientId: newClientId(),
  });
  await sendMessage(kv, ann, { conversationId: project.conversationId, content: "kick-off" });
  await changeMessage(kv, ann, { conversationId: direct.id, seq: 1 }, {
    kind: "edit",
    content: "edited",
  });
  await changeMessage(kv, ben, { conversationId: direct.id, seq: 2 }, { kind: "delete" });
  await changeMessage(kv, ben, { conversationId: direct.id, seq: 3 }, {
    kind: "react",
    emoji: "👍",
    on: true,
  });
  await markRead(kv, direct.id, { userId: ben.id, seq: 20 });
  // What issues 16 and 17 keep: a channel, the site's settings (a key of one part), a reply
  // (its thread entries and the parent's summary), a pin, a saved message and a draft.
  await createChannel(kv, ann, { title: "general", topic: "all of us" });
  await updateSiteSettings(kv, { siteName: "Hearth", registration: "invite" }, { name: "Team" });
  await sendMessage(kv, ben, { conversationId: direct.id, content: "a reply", parentSeq: 4 });
  await changeMessage(kv, ann, { conversationId: direct.id, seq: 5 }, { kind: "pin", on: true });
  await saveMessage(kv, ben.id, direct.id, 6);
  await saveDraft(kv, { userId: ann.id, conversationId: direct.id, content: "half a thought" });
  // Ephemeral and odd values: a rate counter is skipped; bytes, bigint and a u64 survive.
  await kv.set(["rate", "login_user", "ann", 1], new Deno.KvU64(3n), { expireIn: 60_000 });
  return { ann, ben, project, files, direct, group, timeIds };
}

Deno.test("kv_codec: every kind of value KV stores comes back the same", () => {
  const values = [
    null,
    true,
    0,
    -0,
    NaN,
    Infinity,
    1.5,
    "text ✓",
    undefined,
    12345678901234567890n,
    new Deno.KvU64(18446744073709551615n),
    new Uint8Array([0, 1, 254, 255]),
    new Date("2024-01-02T03:04:05.006Z"),
    new Map<unknown, unknown>([["a", 1], [2, new Set(["x"])]]),
    { $t: "bytes", v: "not a tag", nested: [{ $t: 1 }] },
    [1, [2, { a: undefined }]],
  ];
  for (const value of values) {
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));
    assert.deepEqual(back, value);
  }
  assert.throws(() => encodeValue(() => 1), TypeError);
  assert.throws(() => decodeValue({ $t: "nope" }), TypeError);
});

Deno.test({
  name: "export and import round-trip a populated store: every entry and every file's SHA-256",
  sanitizeResources: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    try {
      const source = `${dir}/source.kv`;
      const kv = await Deno.openKv(source);
      const world = await populate(kv);
      const before = await dump(kv, ["rate", "session", "user_session"]);
      const hashes = await Promise.all(
        world.files.map((f) => fileHash(kv, world.project.id, f.id)),
      );
      assert.deepEqual(hashes, world.files.map((f) => f.sha256));
      kv.close();

      await t.step("the export writes every entry and prints the counts", async () => {
        const result = await task("export", [`${dir}/backup.ndjson.gz`], source);
        assert.equal(result.code, 0, result.text);
        assert.match(result.text, /Exported \d+ entries/);
        assert.match(result.text, /file_chunk\s+12\b/); // 11 + 1 + 0 chunks
        assert.match(result.text, /msg_client\s+20\b/);
        assert.match(result.text, /msg_client_t\s+11\b/); // 10 in the direct, 1 in the group
        assert.doesNotMatch(result.text, /\brate\b|\bsession\b/);
      });

      await t.step("the import restores it into an empty store, entry for entry", async () => {
        const target = `${dir}/target.kv`;
        const result = await task("import", [`${dir}/backup.ndjson.gz`], target);
        assert.equal(result.code, 0, result.text);
        assert.match(result.text, /Imported \d+ entries/);
        const restored = await Deno.openKv(target);
        try {
          const after = await dump(restored);
          assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
          for (const [key, value] of before) assert.equal(after.get(key), value, key);
          const files = await listFiles(restored, world.project.id);
          assert.equal(files.length, 3);
          for (const f of world.files) {
            assert.equal(await fileHash(restored, world.project.id, f.id), f.sha256, f.name);
          }
          const page = await listMessages(restored, world.direct.id, { limit: 100 });
          assert.equal(page.messages.length, 31, "30 messages and a reply");
          // The thread, the pin, the saved message and the draft came back with them.
          const parent = page.messages.find((m) => m.seq === 4)!;
          assert.equal(parent.thread?.replyCount, 1);
          assert.equal(page.messages.find((m) => m.seq === 31)?.parentSeq, 4);
          assert.equal(page.messages.find((m) => m.seq === 5)?.pinned?.by.id, world.ann.id);
          const saved = await listSaved(restored, world.ben.id, {});
          assert.deepEqual(saved.items.map((i) => i.message.seq), [6]);
          const draft = await getDraft(restored, world.ann.id, world.direct.id);
          assert.equal(draft?.content, "half a thought");
          assert.equal(page.messages[0].content, "edited");
          assert.equal(page.messages[0].author.displayName, "Ann Ä");
          // A send tried again after the restore is stored once, whichever its clientId.
          for (const [seq, clientId] of [[3, world.timeIds.get(3)!], [5, "c5"]] as const) {
            const again = await sendMessage(restored, world.ann, {
              conversationId: world.direct.id,
              content: "tried again",
              clientId,
            });
            assert.deepEqual([again.created, again.message.seq], [false, seq], clientId);
          }
          // The restored store takes new messages after the old ones.
          const next = await sendMessage(restored, world.ann, {
            conversationId: world.direct.id,
            content: "after restore",
          });
          assert.equal(next.message.seq, 32);
        } finally {
          restored.close();
        }
      });

      await t.step("a server on the restored store: sign-in, history, search, files", async () => {
        const server = await startServerProcess({
          args: ["run", "-A", "main.ts"],
          cwd: ROOT,
          env: { KV_PATH: `${dir}/target.kv`, LOG_LEVEL: "error" },
        });
        try {
          const login = await fetch(`${server.base}/api/auth/login`, {
            method: "POST",
            headers: { origin: server.base, "content-type": "application/json" },
            body: JSON.stringify({ username: "ann", password: "correct horse battery" }),
          });
          assert.equal(login.status, 200, "the old password signs in");
          await login.body?.cancel();
          const cookie = sessionCookieOf(login);
          const get = (path: string) => fetch(`${server.base}${path}`, { headers: { cookie } });
          const list = await (await get("/api/conversations")).json();
          assert.equal(list.conversations.length, 4, "a direct, a group, a project, a channel");
          const found = await (await get(`/api/search?q=${encodeURIComponent("CAFE uber")}`))
            .json();
          // Messages 3…30 say "über café" (1 was edited, 2 deleted): 28, the newest 20 answered.
          assert.equal(found.results.length, 20, "search answers from the imported index");
          assert.ok(
            found.results.every((r: { message: { content: string } }) =>
              /über café/.test(r.message.content)
            ),
          );
          const gone = await (await get("/api/search?q=message%201%20über")).json();
          assert.ok(gone.results.every((r: { message: { seq: number } }) => r.message.seq !== 1));
          const big = world.files[0];
          const download = await get(`/api/projects/${world.project.id}/files/${big.id}`);
          assert.equal(download.status, 200);
          const bytes = new Uint8Array(await download.arrayBuffer());
          assert.equal(await sha256Hex(bytes), big.sha256);
        } finally {
          await server.stop();
        }
      });

      await t.step("an import into a store that holds anything is refused", async () => {
        const result = await task("import", [`${dir}/backup.ndjson.gz`], `${dir}/target.kv`);
        assert.equal(result.code, 1);
        assert.match(result.text, /not empty/);
      });

      await t.step("--sessions keeps the sessions, with their expiry", async () => {
        const result = await task("export", [`${dir}/s.ndjson`, "--sessions"], source);
        assert.equal(result.code, 0, result.text);
        assert.equal((await task("import", [`${dir}/s.ndjson`], `${dir}/s.kv`)).code, 0);
        const restored = await Deno.openKv(`${dir}/s.kv`);
        const original = await Deno.openKv(source);
        try {
          const sessions = await dump(restored);
          const expected = await dump(original, ["rate"]);
          assert.deepEqual([...sessions.keys()].sort(), [...expected.keys()].sort());
        } finally {
          restored.close();
          original.close();
        }
      });

      await t.step("a cut-off export is refused before anything is written", async () => {
        const text = await Deno.readTextFile(`${dir}/s.ndjson`);
        await Deno.writeTextFile(`${dir}/cut.ndjson`, text.slice(0, text.length / 2));
        const result = await task("import", [`${dir}/cut.ndjson`], `${dir}/cut.kv`);
        assert.equal(result.code, 1);
        assert.match(result.text, /import failed: /);
        const kv = await Deno.openKv(`${dir}/cut.kv`);
        assert.equal((await dump(kv)).size, 0);
        kv.close();
      });

      await t.step("wrong usage exits 2 with the usage", async () => {
        const result = await task("export", [], source);
        assert.equal(result.code, 2);
        assert.match(result.text, /Usage:/);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an export taken while messages are written imports cleanly, heads covering them",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const source = `${dir}/live.kv`;
      const kv = await Deno.openKv(source);
      const { ann, direct, group } = await populate(kv);
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          for (const conversationId of [direct.id, group.id]) {
            await sendMessage(kv, ann, { conversationId, content: `live ${written++}` });
          }
        }
      })();
      let result;
      try {
        result = await task("export", [`${dir}/live.ndjson`], source);
      } finally {
        writing = false;
        await writer;
        kv.close();
      }
      assert.equal(result.code, 0, result.text);
      assert.ok(written > 0, "messages were written during the export");
      const imported = await task("import", [`${dir}/live.ndjson`], `${dir}/restored.kv`);
      assert.equal(imported.code, 0, imported.text);
      const restored = await Deno.openKv(`${dir}/restored.kv`);
      try {
        for (const conversationId of [direct.id, group.id]) {
          // Every message up to the head is there, gapless, and the next send follows it.
          const head = (await restored.get<{ seq: number }>(["conv_head", conversationId])).value;
          let seq = 0;
          for await (const e of restored.list({ prefix: ["msg", conversationId] })) {
            assert.equal(e.key[2], ++seq);
          }
          assert.equal(head?.seq, seq);
          const next = await sendMessage(restored, ann, { conversationId, content: "after" });
          assert.equal(next.message.seq, seq + 1);
        }
      } finally {
        restored.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a message sent while the export runs leaves no search or clientId trace behind", async () => {
  const source = await Deno.openKv(":memory:");
  const target = await Deno.openKv(":memory:");
  try {
    const { ann, direct } = await populate(source);
    const lines: string[] = [];
    let late = 0;
    const lateTimeId = newClientId();
    await exportStore(source, async (line) => {
      lines.push(line);
      // The messages are read; their index and clientIds are not yet: two sends land now.
      if (late === 0 && line.includes('"msg_change"')) {
        late = (await sendMessage(source, ann, {
          conversationId: direct.id,
          content: "zanzibar",
          clientId: "late",
        })).message.seq;
        await sendMessage(source, ann, {
          conversationId: direct.id,
          content: "timbuktu",
          clientId: lateTimeId,
        });
      }
    });
    assert.equal(late, 32);
    const text = lines.join("");
    assert.match(text, /zanzibar/, "the late message's postings are in the export");
    assert.ok(text.includes(lateTimeId), "the late UUIDv7 entry is in the export");
    await importStore(target, async function* () {
      yield* text.split("\n");
    });
    assert.equal((await target.get(["msg", direct.id, late])).value, null, "not exported");
    assert.deepEqual(await searchMessages(target, ann.id, "zanzibar"), []);
    // The restored store gives seq 31 to its next message: neither the word nor the clientId
    // of the one it never had may point at it.
    const next = await sendMessage(target, ann, {
      conversationId: direct.id,
      content: "something else",
      clientId: "late",
    });
    assert.equal(next.message.seq, late);
    assert.equal(next.created, true, "the clientId was not taken");
    // The UUIDv7 one's entry (filed by time, read after the messages) named seq 33: that
    // seq is another message's now, and the id is still free.
    await sendMessage(target, ann, { conversationId: direct.id, content: "another thing" });
    const byTime = await sendMessage(target, ann, {
      conversationId: direct.id,
      content: "a third thing",
      clientId: lateTimeId,
    });
    assert.deepEqual([byTime.created, byTime.message.seq], [true, late + 2]);
    assert.deepEqual(await searchMessages(target, ann.id, "zanzibar"), []);
    assert.equal((await searchMessages(target, ann.id, "something else")).length, 1);
  } finally {
    source.close();
    target.close();
  }
});

Deno.test("an import sets each person's push count from the subscriptions it holds", async () => {
  const source = await Deno.openKv(":memory:");
  const target = await Deno.openKv(":memory:");
  try {
    const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    for (const n of [1, 2]) {
      await saveSubscription(source, "ann", {
        endpoint: `https://push.example/ann/${n}`,
        p256dh: "p",
        auth: "a",
        createdAt: at(n),
      });
    }
    await saveSubscription(source, "ben", {
      endpoint: "https://push.example/ben",
      p256dh: "p",
      auth: "a",
      createdAt: at(3),
    });
    assert.equal((await source.get(pushSubCountKey("ann"))).value, 2);
    const lines: string[] = [];
    await exportStore(source, (line) => {
      lines.push(line);
      return Promise.resolve();
    });
    // A live export read Ann's count before her second subscription and Ben's as none (he
    // subscribed meanwhile): what the notifier reads must still be what they hold.
    const text = lines.join("").split("\n").map((line) =>
      line.includes('"push_sub_count"')
        ? line.replace(/"v":\d+/, line.includes('"ben"') ? '"v":0' : '"v":1')
        : line
    );
    assert.equal(text.filter((l) => /"push_sub_count".*"v":[01]\}/.test(l)).length, 2);
    await importStore(target, async function* () {
      yield* text;
    });
    assert.equal((await target.get(pushSubCountKey("ann"))).value, 2);
    assert.equal((await target.get(pushSubCountKey("ben"))).value, 1);
  } finally {
    source.close();
    target.close();
  }
});
