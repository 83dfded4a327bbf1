/**
 * A bounded body-exhaustion attack on a real server process on 127.0.0.1 (issue 15, item 10):
 * idle connections that each declare a large body and send a few bytes, then real oversized
 * JSON bodies. Reports the server's resident memory and another signed-in user's latency
 * before, during and after. Used by body_limits_test.ts; run alone to print the figures:
 *
 *   deno run -A tests/security/body_attack.ts [idle=200] [declaredMb=50] [bodies=10]
 */
import { freePort } from "../support/process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export type AttackServer = {
  base: string;
  pid: number;
  /** Resident memory of the server process, in MB (from /proc). */
  rssMb(): number;
  stop(): Promise<void>;
};

/** Starts `deno run -A main.ts` on a free port and a fresh KV file, waits for /healthz. */
export async function startAttackServer(dir: string): Promise<AttackServer> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: {
      HOSTNAME: "127.0.0.1",
      PORT: String(port),
      KV_PATH: `${dir}/attack.kv`,
      LOG_LEVEL: "error",
      REGISTRATION: "open",
    },
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  let exited = false;
  const status = child.status.then(() => (exited = true));
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => exited || child.kill("SIGKILL"), 10_000);
      await status;
      clearTimeout(timer);
    }
  };
  for (let tries = 0; tries < 600 && !exited; tries++) {
    try {
      const res = await fetch(`${base}/healthz`);
      await res.body?.cancel();
      if (res.ok) {
        return {
          base,
          pid: child.pid,
          rssMb: () => {
            const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
            return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
          },
          stop,
        };
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error("the server did not come up");
}

/** Registers a user and returns its cookie: the "other user" whose latency is measured. */
export async function registerVictim(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: "POST",
    headers: { origin: base, "content-type": "application/json" },
    body: JSON.stringify({ username: "bystander", password: "a quiet long passphrase 42" }),
  });
  await res.body?.cancel();
  if (res.status !== 201) throw new Error(`register: ${res.status}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}

/**
 * Samples the other user's latency from a process of its own (so the attacker's work in this
 * one does not count) for `seconds`: each request for their conversation list, 20 ms apart.
 */
export async function sampleLatency(base: string, cookie: string, seconds: number) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./latency_probe.ts", import.meta.url).pathname, base, cookie],
    env: { PROBE_SECONDS: String(seconds) },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Latency;
}

export type Latency = { n: number; medianMs: number; p95Ms: number; maxMs: number };

/**
 * Opens `count` connections that each declare a `declared`-byte JSON body on the login route
 * and send 14 bytes of it, then sit. Returns them (the caller closes them) and what each
 * connection was answered within `waitMs` (the status line, or "" for nothing).
 */
export async function idleBodies(
  base: string,
  options: { count: number; declared: number; path?: string },
): Promise<Deno.TcpConn[]> {
  const { port } = new URL(base);
  const head = [
    `POST ${options.path ?? "/api/auth/login"} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    `Origin: ${base}`,
    "Content-Type: application/json",
    `Content-Length: ${options.declared}`,
    "",
    "",
  ].join("\r\n");
  const conns: Deno.TcpConn[] = [];
  for (let i = 0; i < options.count; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
    await conn.write(new TextEncoder().encode(head + '{"username":"'));
    conns.push(conn);
  }
  return conns;
}

/** Reads what a connection was answered, waiting at most `ms`: the status line or "". */
export async function answerOf(conn: Deno.TcpConn, ms: number): Promise<string> {
  const buffer = new Uint8Array(512);
  const timer = new Promise<null>((r) => setTimeout(() => r(null), ms));
  const read = conn.read(buffer).catch(() => null);
  const n = await Promise.race([read, timer]);
  if (!n) return "";
  return new TextDecoder().decode(buffer.subarray(0, n)).split("\r\n")[0];
}

/** Sends `count` real JSON bodies of `bytes` each, at once; returns their statuses. */
export async function bigBodies(
  base: string,
  options: { count: number; bytes: number },
): Promise<number[]> {
  const filler = "x".repeat(options.bytes - 40);
  const body = JSON.stringify({ username: filler, password: "p" });
  return await Promise.all(
    Array.from({ length: options.count }, async () => {
      try {
        const res = await fetch(`${base}/api/auth/login`, {
          method: "POST",
          headers: { origin: base, "content-type": "application/json" },
          body,
        });
        await res.body?.cancel();
        return res.status;
      } catch {
        return 0; // the connection was closed before an answer
      }
    }),
  );
}

export type AttackFigures = {
  quiet: { rssMb: number; latency: Latency };
  idle: { peakRssMb: number; latency: Latency; answers: Record<string, number> };
  bodies: { peakRssMb: number; latency: Latency; statuses: number[] };
  afterRssMb: number;
};

/**
 * The attack of issue 15 item 10 on a fresh server: `idle` connections declaring
 * `declaredMb` each (answers read after two seconds), then `bodies` real bodies that size at
 * once; the server's peak RSS and the other user's latency through each phase.
 */
export async function runBodyAttack(
  options: { idle: number; declaredMb: number; bodies: number },
): Promise<AttackFigures> {
  const dir = await Deno.makeTempDir();
  const server = await startAttackServer(dir);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, server.rssMb())), 50);
  const conns: Deno.TcpConn[] = [];
  try {
    const cookie = await registerVictim(server.base);
    const quiet = {
      rssMb: Math.round(server.rssMb()),
      latency: await sampleLatency(server.base, cookie, 2),
    };
    peak = 0;
    const idleLatency = sampleLatency(server.base, cookie, 4);
    conns.push(
      ...await idleBodies(server.base, {
        count: options.idle,
        declared: options.declaredMb * 2 ** 20,
      }),
    );
    await new Promise((r) => setTimeout(r, 2000));
    const answers: Record<string, number> = {};
    for (const answer of await Promise.all(conns.map((c) => answerOf(c, 500)))) {
      const key = answer || "(no answer)";
      answers[key] = (answers[key] ?? 0) + 1;
    }
    const idle = { peakRssMb: Math.round(peak), latency: await idleLatency, answers };
    peak = 0;
    const bodiesLatency = sampleLatency(server.base, cookie, 4);
    await new Promise((r) => setTimeout(r, 300));
    const statuses = await bigBodies(server.base, {
      count: options.bodies,
      bytes: options.declaredMb * 2 ** 20,
    });
    const bodies = { peakRssMb: Math.round(peak), latency: await bodiesLatency, statuses };
    return { quiet, idle, bodies, afterRssMb: Math.round(server.rssMb()) };
  } finally {
    clearInterval(sampler);
    for (const conn of conns) {
      try {
        conn.close();
      } catch { /* closed by the server */ }
    }
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

export type SlowHeaderFigures = {
  connections: number;
  rssBeforeMb: number;
  rssDuringMb: number;
  /** Connections the server closed while their headers were still coming. */
  dropped: number;
  quiet: Latency;
  during: Latency;
};

/**
 * Slow headers (slowloris) on a fresh server: `connections` that send part of a request's
 * headers and then a byte every two seconds for `seconds`. Deno.serve has no header read
 * timeout (measured: a partial request was still held after 75 s), so this measures what
 * each held connection costs and whether anyone else notices.
 */
export async function runSlowHeaders(
  options: { connections: number; seconds: number },
): Promise<SlowHeaderFigures> {
  const dir = await Deno.makeTempDir();
  const server = await startAttackServer(dir);
  const conns: Deno.TcpConn[] = [];
  try {
    const cookie = await registerVictim(server.base);
    const quiet = await sampleLatency(server.base, cookie, 2);
    const rssBeforeMb = Math.round(server.rssMb());
    const port = Number(new URL(server.base).port);
    const text = new TextEncoder();
    for (let i = 0; i < options.connections; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(text.encode("GET /api/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: "));
      conns.push(conn);
    }
    const during = sampleLatency(server.base, cookie, options.seconds);
    const dropped = new Set<Deno.TcpConn>();
    const end = Date.now() + options.seconds * 1000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 2000));
      for (const conn of conns) {
        if (dropped.has(conn)) continue;
        await conn.write(text.encode("a")).catch(() => dropped.add(conn));
      }
    }
    const rssDuringMb = Math.round(server.rssMb());
    return {
      connections: conns.length,
      rssBeforeMb,
      rssDuringMb,
      dropped: dropped.size,
      quiet,
      during: await during,
    };
  } finally {
    for (const conn of conns) {
      try {
        conn.close();
      } catch { /* closed by the server */ }
    }
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main && Deno.args[0] === "slow-headers") {
  const [connections = 2000, seconds = 40] = Deno.args.slice(1).map(Number);
  console.log(JSON.stringify(await runSlowHeaders({ connections, seconds }), null, 1));
} else if (import.meta.main) {
  const [idle = 200, declaredMb = 50, bodies = 10] = Deno.args.map(Number);
  console.log(JSON.stringify(await runBodyAttack({ idle, declaredMb, bodies }), null, 1));
}
