import assert from "node:assert/strict";
import { DraftSync } from "./draft_sync.ts";

type Call = { url: string; method: string; body: unknown; keepalive: boolean };

/** A composer's text and a server that records what it was told (and may be down). */
function setup(saved?: string | null, options: { parentSeq?: number; server?: string } = {}) {
  let text = "";
  const calls: Call[] = [];
  const state = { down: false, server: options.server ?? "" };
  const sync = new DraftSync({
    conversationId: "c1",
    parentSeq: options.parentSeq ?? null,
    get: () => text,
    set: (t) => (text = t),
    pauseMs: 20,
    maxWaitMs: 60,
    fetch: (input, init) => {
      const method = init?.method ?? "GET";
      calls.push({
        url: String(input),
        method,
        body: init?.body ? JSON.parse(String(init.body)) : null,
        keepalive: init?.keepalive ?? false,
      });
      if (state.down) return Promise.reject(new TypeError("offline"));
      if (method === "GET") {
        const draft = state.server ? { content: state.server } : null;
        return Promise.resolve(Response.json({ draft }));
      }
      return Promise.resolve(new Response(null, { status: 204 }));
    },
  }, saved);
  const type = (t: string) => {
    text = t;
    sync.changed();
  };
  const frame = (content: string, parentSeq: number | null = options.parentSeq ?? null) =>
    sync.heard({ type: "draft", conversationId: "c1", parentSeq, content });
  return { sync, calls, state, type, frame, text: () => text };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const puts = (calls: Call[]) => calls.filter((c) => c.method === "PUT").map((c) => c.body);

Deno.test("typing saves after a pause, once, with the last text", async () => {
  const s = setup("");
  s.type("h");
  s.type("he");
  s.type("hello");
  await wait(50);
  await s.sync.settled();
  assert.deepEqual(puts(s.calls), [{ content: "hello" }]);
  assert.equal(s.calls[0].url, "/api/conversations/c1/draft");
  // Typed back to what is saved: nothing to do.
  s.type("hello!");
  s.type("hello");
  await wait(50);
  assert.equal(puts(s.calls).length, 1);
  s.sync.close();
});

Deno.test("typing on and on still saves every maxWait", async () => {
  const s = setup("");
  for (let i = 0; i < 12; i++) {
    s.type("x".repeat(i + 1));
    await wait(10);
  }
  await wait(40);
  await s.sync.settled();
  assert.ok(puts(s.calls).length >= 2, JSON.stringify(puts(s.calls)));
  assert.deepEqual(puts(s.calls).at(-1), { content: "x".repeat(12) });
  s.sync.close();
});

Deno.test("sending clears the draft at once, and a pending save never follows", async () => {
  const s = setup("");
  s.type("about to send");
  s.type("");
  s.sync.sent();
  await wait(50);
  await s.sync.settled();
  assert.deepEqual(puts(s.calls), [{ content: "" }]);
  s.sync.close();
});

Deno.test("another device's draft fills an idle composer; its own echoes and unsaved text win", async () => {
  const s = setup("");
  s.frame("from the phone");
  assert.equal(s.text(), "from the phone");
  // A thread's frame is not this composer's.
  s.frame("thread text", 7);
  assert.equal(s.text(), "from the phone");
  // Typing here: a frame meanwhile does not overwrite it.
  s.type("from the phone, and the laptop");
  s.frame("phone again");
  assert.equal(s.text(), "from the phone, and the laptop");
  await wait(40);
  await s.sync.settled();
  // The echo of this save changes nothing; an older one of ours neither.
  s.frame("from the phone, and the laptop");
  assert.equal(s.text(), "from the phone, and the laptop");
  // Cleared elsewhere (sent from the phone): the composer empties.
  s.frame("");
  assert.equal(s.text(), "");
  s.sync.close();
});

Deno.test("a thread's composer reads its draft, never deleting it before it knows", async () => {
  const s = setup(undefined, { parentSeq: 7, server: "saved reply" });
  s.sync.changed();
  await wait(40);
  assert.deepEqual(puts(s.calls), []);
  await s.sync.load();
  assert.equal(s.text(), "saved reply");
  assert.equal(s.calls[0].url, "/api/conversations/c1/draft?parentSeq=7");
  s.type("saved reply, longer");
  await wait(40);
  await s.sync.settled();
  assert.deepEqual(puts(s.calls), [{ content: "saved reply, longer", parentSeq: 7 }]);
  assert.equal(s.calls.at(-1)!.url, "/api/conversations/c1/draft");
  s.sync.close();
});

Deno.test("a save that failed offline goes again when the socket is back", async () => {
  const s = setup("");
  s.state.down = true;
  s.type("written offline");
  await wait(40);
  await s.sync.settled();
  assert.equal(puts(s.calls).length, 1);
  // Back: load() saves instead of reading (the text here is newer).
  s.state.down = false;
  await s.sync.load();
  await s.sync.settled();
  assert.deepEqual(puts(s.calls).at(-1), { content: "written offline" });
  assert.equal(s.calls.filter((c) => c.method === "GET").length, 0);
  // Then a reconnect reads: another device's draft comes in.
  s.state.server = "newer elsewhere";
  await s.sync.load();
  assert.equal(s.text(), "newer elsewhere");
  s.sync.close();
});

Deno.test("leaving the page saves what is pending with keepalive", async () => {
  const s = setup("");
  s.type("unsaved");
  s.sync.flush(true);
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0].keepalive, true);
  assert.deepEqual(s.calls[0].body, { content: "unsaved" });
  s.sync.close();
  await wait(30);
  assert.equal(s.calls.length, 1);
});
