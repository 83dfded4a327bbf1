/**
 * Server processes for the benchmarks: start one on a free port of 127.0.0.1, wait until it
 * answers, keep its log lines (counted, the first few kept), read its CPU time and memory
 * from /proc, and stop it (SIGTERM, then SIGKILL after 5 s).
 */
export const ROOT = new URL("..", import.meta.url).pathname;
export const HOST = "127.0.0.1";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Server = {
  name: string;
  pid: number;
  base: string;
  port: number;
  proc: Deno.ChildProcess;
  logs: { lines: number; first: string[] };
  stop(): Promise<void>;
};

export function freePort(): number {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

async function drainLines(stream: ReadableStream<Uint8Array<ArrayBuffer>>, logs: Server["logs"]) {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim() || /^(listening \d+|deno serve: Listening)/.test(line)) continue;
        logs.lines++;
        if (logs.first.length < 3) logs.first.push(line.slice(0, 400));
      }
    }
  } catch { /* the process went away */ }
}

export async function startServer(
  name: string,
  cmd: string,
  args: (port: number) => string[],
  env: (port: number) => Record<string, string>,
  readyPath: string,
  isReady: (res: Response) => boolean,
  cwd = ROOT,
): Promise<Server> {
  const port = freePort();
  const proc = new Deno.Command(cmd, {
    args: args(port),
    cwd,
    env: env(port),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logs = { lines: 0, first: [] as string[] };
  void drainLines(proc.stdout, logs);
  void drainLines(proc.stderr, logs);
  let exited = false;
  const status = proc.status.then((s) => {
    exited = true;
    return s;
  });
  const base = `http://${HOST}:${port}`;
  const server: Server = {
    name,
    pid: proc.pid,
    base,
    port,
    proc,
    logs,
    async stop() {
      if (exited) return;
      try {
        proc.kill("SIGTERM");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          proc.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await status;
      clearTimeout(timer);
    },
  };
  const deadline = performance.now() + 60_000;
  while (true) {
    if (exited) throw new Error(`${name} exited before it answered: ${logs.first.join(" | ")}`);
    if (performance.now() > deadline) {
      await server.stop();
      throw new Error(`${name} did not answer within 60 s`);
    }
    try {
      const res = await fetch(base + readyPath, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (isReady(res)) return server;
    } catch { /* not up yet */ }
    await sleep(100);
  }
}

export function readStatus(pid: number, field: "VmRSS" | "VmHWM"): number {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
