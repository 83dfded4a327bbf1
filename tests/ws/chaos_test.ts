/**
 * Chaos: many clients on a two-worker server (`deno serve --parallel`, one KV file) send
 * thousands of messages while their sockets are dropped at random, half the doorbells are
 * thrown away on purpose (tests/support/chaos_server.ts injects a lossy doorbell channel), and
 * the server is restarted once. Every acknowledged message must
 * reach every participant exactly once and in seq order. Clients resume with `join {since}`;
 * without that catch-up (CHAOS_NO_CATCHUP=1 here) the test fails.
 * A share of the messages are thread replies (to a top-level message the client has): they
 * take seqs like the others, and every client ends with each parent's reply count right, as
 * the live `message_updated` frames (and the rejoins' replay from `rev`) left it.
 */
import assert from "node:assert/strict";
import { DenoWebSocket } from "../support/ws_client.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const CLIENTS = 6;
const PER_CLIENT = 350;
const NO_CATCHUP = Deno.env.get("CHAOS_NO_CATCHUP") === "1";
/** The share of messages sent as thread replies. */
const REPLY_SHARE = 0.3;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function startServer(port: number, kvPath: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "serve",
      "--parallel",
      "-A",
      "--host=127.0.0.1",
      `--port=${port}`,
      "tests/support/chaos_server.ts",
    ],
    cwd: ROOT,
    env: {
      KV_PATH: kvPath,
      REGISTRATION: "open",
      DENO_JOBS: "2",
      REALTIME_POLL_MS: "250",
      RATE_LIMIT_SCALE: "0",
      LOG_LEVEL: "error",
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/auth/check`);
      await res.body?.cancel();
      if (res.ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error("server did not start");
}

type Msg = {
  seq: number;
  id: string;
  clientId: string | null;
  author: { id: string };
  parentSeq?: number | null;
  thread?: { replyCount: number } | null;
};

/** One person: keeps a socket up (reconnecting), sends its share, records what arrives. */
class ChaosClient {
  received: Msg[] = [];
  problems: string[] = [];
  acked = new Map<string, Msg>();
  /** Per thread parent, its reply count as the change of the highest rev seen showed it. */
  threads = new Map<number, { rev: number; replyCount: number }>();
  /** The highest change seen (what a rejoin asks to replay from). */
  rev = 0;
  #unacked = new Map<string, { content: string; parentSeq?: number }>();
  #ws: WebSocket | null = null;
  #stopped = false;
  #sent = 0;
  /** Whether the current socket has had its `recent_messages` (it resumed). */
  #joined = false;

  constructor(
    readonly name: string,
    readonly cookie: string,
    readonly base: string,
    readonly conversationId: string,
  ) {}

  get last(): number {
    return this.received.at(-1)?.seq ?? 0;
  }

  connect(): void {
    if (this.#stopped) return;
    const ws = new DenoWebSocket(`${this.base.replace("http", "ws")}/api/ws`, {
      headers: { cookie: this.cookie, origin: this.base },
    });
    this.#ws = ws;
    this.#joined = false;
    ws.onopen = () => {
      const since = NO_CATCHUP ? undefined : this.last;
      ws.send(JSON.stringify({
        type: "join",
        conversationId: this.conversationId,
        since,
        ...(since ? { rev: this.rev } : {}),
      }));
      // Whatever was sent and not acknowledged goes again: clientId makes it safe.
      for (const [clientId, pending] of this.#unacked) this.#send(clientId, pending);
    };
    ws.onmessage = (e) => this.#onFrame(JSON.parse(e.data));
    ws.onerror = () => {};
    ws.onclose = () => {
      if (this.#ws === ws) this.#ws = null;
      if (!this.#stopped) setTimeout(() => this.connect(), 20 + Math.random() * 80);
    };
  }

  /** Sends the next of its messages (if the socket is up; else it goes on reconnect). */
  sendNext(): boolean {
    if (this.#sent >= PER_CLIENT) return false;
    const clientId = `${this.name}-${++this.#sent}`;
    const content = `${this.name} says ${this.#sent}`;
    // A reply to a top-level message this client has (resent with the same parent).
    const parents = this.received.filter((m) => m.parentSeq == null);
    const parentSeq = parents.length > 0 && Math.random() < REPLY_SHARE
      ? parents[Math.floor(Math.random() * parents.length)].seq
      : undefined;
    const pending = { content, ...(parentSeq ? { parentSeq } : {}) };
    this.#unacked.set(clientId, pending);
    this.#send(clientId, pending);
    return true;
  }

  /**
   * Drops the socket, once it has caught up since it connected: on a loaded machine a join
   * can take longer than the gap between drops, and dropping sockets that never got to
   * resume would stall the test instead of testing the resume.
   */
  drop(): void {
    if (this.#joined) this.#ws?.close();
  }

  get done(): boolean {
    return this.#sent >= PER_CLIENT && this.#unacked.size === 0;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const ws = this.#ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise((resolve) => {
        ws.addEventListener("close", resolve);
        ws.close();
      });
    }
  }

  #send(clientId: string, pending: { content: string; parentSeq?: number }): void {
    if (this.#ws?.readyState !== WebSocket.OPEN) return;
    this.#ws.send(JSON.stringify({
      type: "send_message",
      conversationId: this.conversationId,
      ...pending,
      clientId,
    }));
  }

  #take(m: Msg): void {
    if (m.seq <= this.last) {
      // A repeat of something already shown (after a resume it may overlap): it must be the
      // very same message, never a different one at that seq.
      const seen = this.received[m.seq - 1];
      if (!seen || seen.id !== m.id) this.problems.push(`seq ${m.seq} changed`);
      return;
    }
    if (m.seq !== this.last + 1) this.problems.push(`gap: had ${this.last}, got ${m.seq}`);
    this.received.push(m);
  }

  /** The copy of the highest rev (the later of equals) holds a parent's reply count. */
  #thread(m: Msg, rev: number): void {
    const seen = this.threads.get(m.seq);
    if (!seen || seen.rev <= rev) {
      this.threads.set(m.seq, { rev, replyCount: m.thread?.replyCount ?? 0 });
    }
  }

  #onFrame(
    frame: {
      type: string;
      messages?: Msg[];
      message?: Msg;
      clientId?: string;
      rev?: number;
      code?: string;
    },
  ): void {
    if (frame.type === "error" && frame.code === "invalid_input") {
      this.problems.push("refused reply");
    }
    if (frame.type === "recent_messages") {
      for (const m of frame.messages ?? []) {
        this.#take(m);
        // A message as it was read in the join: every change up to the frame's rev is in it
        // (later ones follow as message_updated).
        if (m.thread) this.#thread(m, frame.rev ?? 0);
      }
      // Not `this.rev`: a socket cut between a join's messages and the changes it replays
      // after them would skip those changes on its next join. The changes come in rev
      // order, so the highest one received is a safe point to resume from.
      this.#joined = true;
    }
    if (frame.type === "message_updated" && frame.message && frame.rev !== undefined) {
      this.rev = Math.max(this.rev, frame.rev);
      this.#thread(frame.message, frame.rev);
    }
    if (frame.type === "message" && frame.message) this.#take(frame.message);
    if (frame.type === "ack" && frame.message && frame.clientId) {
      this.#unacked.delete(frame.clientId);
      const before = this.acked.get(frame.clientId);
      if (before && before.id !== frame.message.id) {
        this.problems.push(`ack changed ${frame.clientId}`);
      }
      this.acked.set(frame.clientId, frame.message);
    }
  }
}

Deno.test({
  name: "chaos: dropped sockets, lost doorbells and a restart lose, repeat and reorder nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const kvPath = `${dir}/chaos.kv`;
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    let server = await startServer(port, kvPath);
    const clients: ChaosClient[] = [];
    try {
      const people: { cookie: string; id: string }[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const res = await fetch(`${base}/api/auth/register`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: base },
          body: JSON.stringify({ username: `chaos${i}`, password: "chaos password 1" }),
        });
        assert.equal(res.status, 201);
        people.push({
          cookie: res.headers.getSetCookie()[0].split(";")[0],
          id: (await res.json()).user.id,
        });
      }
      const created = await fetch(`${base}/api/conversations`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: base, cookie: people[0].cookie },
        body: JSON.stringify({ participantIds: people.slice(1).map((p) => p.id), title: "chaos" }),
      });
      const conversationId = (await created.json()).conversation.id;
      for (const [i, p] of people.entries()) {
        clients.push(new ChaosClient(`c${i}`, p.cookie, base, conversationId));
      }
      clients.forEach((c) => c.connect());

      const total = CLIENTS * PER_CLIENT;
      const started = Date.now();
      let restarted = false;
      let rounds = 0;
      while (!clients.every((c) => c.done) && Date.now() - started < 120_000) {
        rounds++;
        for (const c of clients) {
          for (let k = 0; k < 3; k++) c.sendNext();
          if (Math.random() < 0.04) c.drop();
        }
        const acked = clients.reduce((n, c) => n + c.acked.size, 0);
        if (!restarted && acked > total / 2) {
          restarted = true;
          server.kill("SIGTERM");
          await server.status;
          server = await startServer(port, kvPath);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(restarted, "the server was restarted once");
      assert.ok(clients.every((c) => c.done), "every message was acknowledged");
      // Everyone has everything: wait (bounded) for the stragglers' last deliveries.
      const deadline = Date.now() + 20_000;
      while (clients.some((c) => c.last < total) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const c of clients) {
        assert.deepEqual(c.problems, [], `${c.name} saw no gap, repeat or change`);
        assert.equal(c.received.length, total, `${c.name} received all ${total}`);
        assert.deepEqual(
          c.received.map((m) => m.seq),
          Array.from({ length: total }, (_, i) => i + 1),
        );
      }
      // Each acked message is the one everyone received at that seq.
      const everyone = clients[0].received;
      for (const c of clients) {
        for (const [clientId, m] of c.acked) {
          assert.equal(everyone[m.seq - 1].id, m.id, `ack of ${clientId} matches seq ${m.seq}`);
          assert.equal(everyone[m.seq - 1].clientId, clientId);
          assert.equal(everyone[m.seq - 1].parentSeq ?? null, m.parentSeq ?? null);
        }
      }
      // The replies: each parent's count, as stored and as every client saw it last.
      const expected = new Map<number, number>();
      for (const m of everyone) {
        if (m.parentSeq != null) expected.set(m.parentSeq, (expected.get(m.parentSeq) ?? 0) + 1);
      }
      const replies = [...expected.values()].reduce((a, b) => a + b, 0);
      assert.ok(replies > total * 0.05, `a share of replies (${replies})`);
      for (const [parentSeq, count] of expected) {
        const res = await fetch(
          `${base}/api/conversations/${conversationId}/threads/${parentSeq}?limit=100`,
          { headers: { cookie: people[0].cookie } },
        );
        const page = await res.json();
        assert.equal(page.parent.thread.replyCount, count, `stored count of ${parentSeq}`);
      }
      const lastRev = Math.max(...clients.map((c) => c.rev));
      const settle = Date.now() + 10_000;
      const right = (c: ChaosClient) =>
        [...expected].every(([seq, n]) => c.threads.get(seq)?.replyCount === n);
      while (!clients.every(right) && Date.now() < settle) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const c of clients) {
        for (const [parentSeq, count] of expected) {
          assert.equal(
            c.threads.get(parentSeq)?.replyCount,
            count,
            `${c.name} sees ${count} replies under ${parentSeq} (rev ${c.rev} of ${lastRev})`,
          );
        }
      }
      console.log(
        `chaos: ${total} messages (${replies} replies in ${expected.size} threads), ${rounds} rounds, ${
          Date.now() - started
        } ms`,
      );
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
      server.kill("SIGTERM");
      await server.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
