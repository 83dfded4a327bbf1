/**
 * kill -9 soak, bounded: main.ts is killed with SIGKILL at random moments while people send
 * over REST and WebSocket with clientIds (resending what was not acked once the server is
 * back), and restarted on the same KV file each time. Every acked message is stored exactly
 * once, at the seq it was acked with, the seqs are gapless and each sender's messages are in
 * the order sent. Then a SIGKILL in the middle of a large upload: after the restart's sweep
 * no file is listed and no chunk or upload marker is left.
 */
import assert from "node:assert/strict";
import { sessionCookieOf } from "../support/helpers.ts";
import { freePort } from "../support/process.ts";
import { DenoWebSocket } from "../support/ws_client.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const KILLS = 5;
const PER_SENDER = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Server = { child: Deno.ChildProcess; output: () => string };

/** main.ts on `port` and `kvPath`, resolved once /healthz answers (bounded: 60 s). */
async function launch(kvPath: string, port: number): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: {
      KV_PATH: kvPath,
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      LOG_LEVEL: "warn",
      RATE_LIMIT_SCALE: "0",
      REGISTRATION: "open",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  ).catch(() => {});
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      if (res.ok) return { child, output: () => text };
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  if (!exited) child.kill("SIGKILL");
  throw new Error(`the server did not come up:\n${text}`);
}

async function kill9(server: Server): Promise<void> {
  server.child.kill("SIGKILL");
  const status = await server.child.status;
  assert.equal(status.signal, "SIGKILL");
}

async function allKeys(kvPath: string, prefix: Deno.KvKey) {
  const kv = await Deno.openKv(kvPath);
  try {
    const out: Deno.KvEntry<unknown>[] = [];
    for await (const e of kv.list({ prefix })) out.push(e);
    return out;
  } finally {
    kv.close();
  }
}

Deno.test({
  name:
    "kill -9 soak: every acked message stored once at its seq, gapless, in each sender's order; a killed upload leaves nothing after the sweep",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "hearth-kill9-" });
    const kvPath = `${dir}/chat.kv`;
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    let server = await launch(kvPath, port);
    try {
      const post = async (path: string, body: unknown, cookie?: string) =>
        await fetch(`${base}${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: base,
            ...(cookie ? { cookie } : {}),
          },
          body: JSON.stringify(body),
        });
      const register = async (username: string) => {
        const res = await post("/api/auth/register", { username, password: "a long password" });
        assert.equal(res.status, 201);
        return { cookie: sessionCookieOf(res), user: (await res.json()).user };
      };
      const ann = await register("ann");
      const ben = await register("ben");
      const created = await post(
        "/api/conversations",
        { participantIds: [ben.user.id] },
        ann.cookie,
      );
      const conversationId: string = (await created.json()).conversation.id;

      await t.step("sends over REST and WebSocket through repeated SIGKILLs", async () => {
        /** clientId → the seq its ack said (a second ack must say the same). */
        const acked = new Map<string, number>();
        const contradictions: string[] = [];
        const ack = (clientId: string, seq: number) => {
          const before = acked.get(clientId);
          if (before !== undefined && before !== seq) {
            contradictions.push(`${clientId}: acked as ${before} and ${seq}`);
          }
          acked.set(clientId, seq);
        };
        let done = false;

        async function restSender(name: string, cookie: string) {
          for (let i = 0; i < PER_SENDER; i++) {
            const clientId = `${name}-${i}`;
            for (;;) {
              try {
                const res = await post(
                  `/api/conversations/${conversationId}/messages`,
                  { content: clientId, clientId },
                  cookie,
                );
                if (res.status === 201 || res.status === 200) {
                  ack(clientId, (await res.json()).message.seq);
                  break;
                }
                await res.body?.cancel();
              } catch { /* the server is down: send the same again */ }
              await sleep(30);
            }
          }
        }

        async function socketSender(name: string, cookie: string) {
          const unacked = new Map<string, true>(); // in the order sent
          let next = 0;
          const frame = (clientId: string) =>
            JSON.stringify({ type: "send_message", conversationId, content: clientId, clientId });
          while (next < PER_SENDER || unacked.size > 0) {
            const ws = new DenoWebSocket(`${base.replace("http", "ws")}/api/ws`, {
              headers: { cookie, origin: base },
            });
            await new Promise<void>((resolve) => {
              const fill = () => {
                while (unacked.size < 4 && next < PER_SENDER) {
                  const clientId = `${name}-${next++}`;
                  unacked.set(clientId, true);
                  ws.send(frame(clientId));
                }
                if (unacked.size === 0) ws.close();
              };
              ws.onopen = () => {
                for (const clientId of unacked.keys()) ws.send(frame(clientId)); // resend
                fill();
              };
              ws.onmessage = (e) => {
                const f = JSON.parse(e.data);
                if (f.type === "ack" && unacked.has(f.clientId)) {
                  ack(f.clientId, f.message.seq);
                  unacked.delete(f.clientId);
                  fill();
                } else if (f.type === "error" && f.ref && unacked.has(f.ref)) {
                  // Refused for now (busy): close, reconnect and resend in order.
                  ws.close();
                }
              };
              ws.onerror = () => {};
              ws.onclose = () => resolve();
            });
            if (next < PER_SENDER || unacked.size > 0) await sleep(50);
          }
        }

        const senders = Promise.all([
          restSender("rest-ann", ann.cookie),
          restSender("rest-ben", ben.cookie),
          socketSender("ws-ann", ann.cookie),
          socketSender("ws-ben", ben.cookie),
        ]).finally(() => (done = true));

        // Kills at random points of the run, spread over it by acks, not by time: a fast
        // machine (a quiet CI runner) sent 473 of the 600 before a timed second kill came.
        const sends = PER_SENDER * 4;
        const points = Array.from(
          { length: KILLS },
          (_, k) => Math.floor(sends * (0.05 + (0.8 * (k + Math.random())) / KILLS)),
        );
        const killedAt: number[] = [];
        for (let k = 0; k < KILLS && !done; k++) {
          while (!done && acked.size < points[k]) await sleep(5);
          if (done) break;
          killedAt.push(acked.size);
          await kill9(server);
          server = await launch(kvPath, port);
        }
        let bound: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          senders,
          new Promise((_, reject) => {
            bound = setTimeout(
              () => reject(new Error(`senders did not finish: ${acked.size} acked`)),
              120_000,
            );
          }),
        ]).finally(() => clearTimeout(bound));
        assert.ok(killedAt.length >= 2, `killed ${killedAt.length} times (at ${killedAt})`);
        assert.deepEqual(contradictions, []);

        const stored = await allKeys(kvPath, ["msg", conversationId]);
        const seqs = stored.map((e) => e.key[2] as number);
        const total = 4 * PER_SENDER;
        assert.equal(acked.size, total, "every message was acked in the end");
        assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1), "gapless 1…N");
        const seqOf = new Map<string, number>();
        for (const e of stored) {
          const content = (e.value as { content: string }).content;
          assert.ok(!seqOf.has(content), `${content} stored twice`);
          seqOf.set(content, e.key[2] as number);
        }
        for (const [clientId, seq] of acked) {
          assert.equal(seqOf.get(clientId), seq, `${clientId} stored at the seq it was acked with`);
        }
        for (const sender of ["rest-ann", "rest-ben", "ws-ann", "ws-ben"]) {
          const order = Array.from({ length: PER_SENDER }, (_, i) => seqOf.get(`${sender}-${i}`)!);
          assert.deepEqual(order, [...order].sort((a, b) => a - b), `${sender} in the order sent`);
        }
        console.log(
          `kill -9 soak: ${killedAt.length} kills (after ${killedAt.join(", ")} acks), ` +
            `${total} messages stored once each, seq 1…${total}`,
        );
      });

      await t.step(
        "a SIGKILL mid-upload leaves no listed file and no chunks after the sweep",
        async () => {
          const boundary = "----hearth-kill9";
          const head = new TextEncoder().encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
              `Content-Type: application/octet-stream\r\n\r\n`,
          );
          let sent = 0;
          const piece = new Uint8Array(64 * 1024).fill(7);
          let headSent = false;
          const body = new ReadableStream<Uint8Array>({
            async pull(controller) {
              if (!headSent) {
                headSent = true;
                return controller.enqueue(head);
              }
              if (sent >= 20 * 1024 * 1024) return controller.close(); // never reached
              await sleep(3);
              sent += piece.length;
              controller.enqueue(piece);
            },
          });
          const upload = fetch(`${base}/api/conversations/${conversationId}/files`, {
            method: "POST",
            headers: {
              "content-type": `multipart/form-data; boundary=${boundary}`,
              origin: base,
              cookie: ann.cookie,
            },
            body,
          }).then((r) => r.status, () => "cut off");
          while (sent < 6 * 1024 * 1024) await sleep(20);
          // Chunks have landed (the store is read beside the running server).
          for (let tries = 0; (await allKeys(kvPath, ["file_chunk"])).length < 20; tries++) {
            assert.ok(tries < 500, "chunks were written");
            await sleep(20);
          }
          await kill9(server);
          assert.equal(await upload, "cut off");
          const left = (await allKeys(kvPath, ["file_chunk"])).length;
          assert.ok(left > 0, "the crash left chunks behind");
          const markers = await allKeys(kvPath, ["file_upload"]);
          assert.equal(markers.length, 1, "and the upload's marker");

          server = await launch(kvPath, port);
          const start = Date.now();
          for (;;) {
            const chunks = (await allKeys(kvPath, ["file_chunk"])).length;
            const uploads = (await allKeys(kvPath, ["file_upload"])).length;
            if (chunks === 0 && uploads === 0) break;
            assert.ok(
              Date.now() - start < 45_000,
              `swept within 45 s of the restart (${chunks} chunks, ${uploads} markers left)`,
            );
            await sleep(250);
          }
          const sweptAfterMs = Date.now() - start;
          const list = await fetch(`${base}/api/conversations/${conversationId}/files`, {
            headers: { cookie: ann.cookie },
          });
          assert.deepEqual((await list.json()).files, []);
          console.log(
            `kill -9 mid-upload: ${left} chunks (${(left * 64) / 1024} MiB) left, swept ` +
              `${sweptAfterMs} ms after the restart`,
          );
        },
      );
    } finally {
      server.child.kill("SIGTERM");
      const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
      await server.child.status;
      clearTimeout(timer);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
