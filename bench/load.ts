/**
 * The HTTP load generator of `deno task bench`: a closed loop over raw keep-alive HTTP/1.1
 * connections to 127.0.0.1 (each connection sends a request, reads the whole answer, sends
 * the next). Raw sockets instead of `fetch`: parsing only the status line and the length
 * costs the generator a few µs a request, so the 2 shared cores go to the server.
 *
 * Bounded in time: a warm-up, then a measured window; requests still open at the end get
 * 5 s, then their connection is closed and counted as an error. Every answer's status is
 * checked (non-2xx is an error) and, for the first answer on each connection and every
 * 25th after, the body must contain `expect`: a bench fails loudly instead of measuring
 * error pages.
 *
 * Run as its own process (`deno run -A bench/load.ts '<LoadOptions as JSON>'`, result as
 * JSON on stdout) so it does not share the event loop of whatever it measures; see
 * `runLoad` for the in-process form and `loadInProcess` for the wrapper that spawns it.
 */
export type LoadOptions = {
  /** http://127.0.0.1:port/path?query */
  url: string;
  connections: number;
  seconds: number;
  warmupSeconds?: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** A string every checked answer's body must contain. */
  expect?: string;
};

export type LoadResult = {
  /** Answers in the measured window. */
  requests: number;
  /** Every answer, warm-up and overtime included. */
  answered: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Mean body bytes of the measured answers. */
  bodyBytes: number;
  errors: number;
  firstError: string | null;
  /** CPU seconds the generator used over the measured window, per second. */
  cpuShare: number;
};

const CRLF2 = [13, 10, 13, 10];
const CHUNKED_END = [48, 13, 10, 13, 10]; // "0\r\n\r\n"
const decoder = new TextDecoder();

/** Index of the end of the header block ("\r\n\r\n" + 4) in buf[0..len), or -1. */
function headerEnd(buf: Uint8Array, len: number, from: number): number {
  for (let i = Math.max(0, from - 3); i + 3 < len; i++) {
    if (
      buf[i] === CRLF2[0] && buf[i + 1] === CRLF2[1] && buf[i + 2] === CRLF2[2] &&
      buf[i + 3] === CRLF2[3]
    ) return i + 4;
  }
  return -1;
}

function endsWith(buf: Uint8Array, len: number, tail: number[]): boolean {
  if (len < tail.length) return false;
  for (let i = 0; i < tail.length; i++) if (buf[len - tail.length + i] !== tail[i]) return false;
  return true;
}

type Answer = { status: number; head: string; body: Uint8Array; bytes: number };

/** One request/answer round trip on a connection; `buf` grows as answers need. */
class Connection {
  #conn: Deno.TcpConn;
  #buf = new Uint8Array(64 * 1024);
  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  close() {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }

  async roundTrip(request: Uint8Array, keepBody: boolean): Promise<Answer> {
    let written = 0;
    while (written < request.length) written += await this.#conn.write(request.subarray(written));
    let len = 0;
    let bodyStart = -1;
    let contentLength = -1;
    let chunked = false;
    let status = 0;
    let head = "";
    while (true) {
      if (len === this.#buf.length) {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      }
      const n = await this.#conn.read(this.#buf.subarray(len));
      if (n === null) throw new Error("the server closed the connection");
      const before = len;
      len += n;
      if (bodyStart < 0) {
        bodyStart = headerEnd(this.#buf, len, before);
        if (bodyStart < 0) continue;
        head = decoder.decode(this.#buf.subarray(0, bodyStart));
        status = Number(head.slice(9, 12));
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (cl) contentLength = Number(cl[1]);
        else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) chunked = true;
        else if (status === 204 || status === 304) contentLength = 0;
        else throw new Error(`an answer with neither length nor chunks: ${head.slice(0, 200)}`);
      }
      const done = chunked
        ? endsWith(this.#buf, len, CHUNKED_END)
        : len - bodyStart >= contentLength;
      if (done) {
        // Chunk framing is left in the body: it only matters for `expect`, which it cannot
        // split unless a chunk boundary falls inside the expected text (not with short ones).
        const body = keepBody ? this.#buf.slice(bodyStart, len) : new Uint8Array(0);
        return { status, head, body, bytes: len - bodyStart };
      }
    }
  }
}

function requestBytes(options: LoadOptions, url: URL): Uint8Array {
  const method = options.method ?? "GET";
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    lines.push(`${name}: ${value}`);
  }
  const body = options.body ?? "";
  if (method !== "GET") lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`);
  return new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function cpuSelf(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Drives the closed loop in this process (see the module's doc). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const request = requestBytes(options, url);
  const expect = options.expect;
  const warmupEnd = performance.now() + (options.warmupSeconds ?? 1) * 1000;
  const end = warmupEnd + options.seconds * 1000;
  const latencies: number[] = [];
  let bodyBytes = 0;
  let answered = 0;
  let errors = 0;
  let firstError: string | null = null;
  let cpuAtStart = NaN;
  const fail = (why: string) => {
    errors++;
    firstError ??= why;
  };
  const warm = new Promise<void>((r) => setTimeout(r, warmupEnd - performance.now()));
  void warm.then(() => cpuAtStart = cpuSelf());

  async function worker(index: number): Promise<void> {
    let conn: Connection | null = null;
    let sent = 0;
    while (performance.now() < end) {
      if (!conn) {
        try {
          conn = new Connection(
            await Deno.connect({ hostname: url.hostname, port: Number(url.port) }),
          );
        } catch (err) {
          fail(`connect: ${err instanceof Error ? err.message : err}`);
          return;
        }
      }
      const check = expect !== undefined && sent % 25 === 0;
      const started = performance.now();
      let answer: Answer;
      const current: Connection = conn;
      const overdue = setTimeout(() => current.close(), Math.max(0, end - started) + 5000);
      try {
        answer = await conn.roundTrip(request, check);
      } catch (err) {
        fail(`connection ${index}: ${err instanceof Error ? err.message : err}`);
        conn.close();
        conn = null;
        continue;
      } finally {
        clearTimeout(overdue);
      }
      const finished = performance.now();
      sent++;
      answered++;
      if (answer.status < 200 || answer.status > 299) {
        fail(`HTTP ${answer.status} for ${options.method ?? "GET"} ${url.pathname}`);
        continue;
      }
      if (check && !decoder.decode(answer.body).includes(expect!)) {
        fail(`an answer of ${url.pathname} lacks ${JSON.stringify(expect)}`);
        continue;
      }
      if (started >= warmupEnd && finished <= end) {
        latencies.push(finished - started);
        bodyBytes += answer.bytes;
      }
      if (/\r\nconnection:\s*close/i.test(answer.head)) {
        conn.close();
        conn = null;
      }
    }
    conn?.close();
  }

  await Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i)));
  const cpu = cpuSelf() - cpuAtStart;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: sorted.length,
    answered,
    perSec: sorted.length / options.seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    bodyBytes: sorted.length ? Math.round(bodyBytes / sorted.length) : 0,
    errors,
    firstError,
    cpuShare: cpu / options.seconds,
  };
}

/**
 * Runs the load generator as its own process and returns its result. Never throws for
 * errors the server answered: those are in `errors`/`firstError` (see `assertClean`).
 */
export async function loadInProcess(options: LoadOptions): Promise<LoadResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./load.ts", import.meta.url).pathname, JSON.stringify(options)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`the load generator failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/**
 * Throws, saying what went wrong, when a load run saw any error or no answer at all. A
 * server too slow to finish a request inside the window is a figure (0/s), not an error.
 */
export function assertClean(name: string, result: LoadResult): LoadResult {
  if (result.errors > 0) {
    throw new Error(`${name}: ${result.errors} failed requests, first: ${result.firstError}`);
  }
  if (result.answered === 0) throw new Error(`${name}: no request was answered`);
  return result;
}

if (import.meta.main) {
  const result = await runLoad(JSON.parse(Deno.args[0]));
  console.log(JSON.stringify(result));
}
