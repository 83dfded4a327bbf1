/**
 * The app as a real server process (production start-up, `deno serve --parallel`, logs):
 * started on a free port, waited for through /healthz, its stdout and stderr kept whole.
 */

/** A port nobody listens on right now (the kernel picks it; closed before the child binds). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

export type ServerProcess = {
  base: string;
  /** Everything the process wrote so far, stdout and stderr interleaved as read. */
  output(): string;
  /** SIGTERM, then the exit status (SIGKILL after 10 s: a test never hangs on a stuck child). */
  stop(): Promise<Deno.CommandStatus>;
};

/**
 * Runs `deno <args>` in `cwd` with `env` (PORT and HOSTNAME added) and resolves once
 * GET /healthz answers 200. Rejects with the output if the process exits first.
 */
export async function startServerProcess(options: {
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  port?: number;
}): Promise<ServerProcess> {
  const port = options.port ?? freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: options.args,
    cwd: options.cwd,
    // Registration is open in tests unless a test asks for invites (REGISTRATION: "invite").
    env: { HOSTNAME: "127.0.0.1", PORT: String(port), REGISTRATION: "open", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const drain = (stream: typeof child.stdout) =>
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (text += chunk) }),
    );
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const state: { exited: Deno.CommandStatus | null } = { exited: null };
  const status = child.status.then((s) => (state.exited = s));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!state.exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => state.exited || child.kill("SIGKILL"), 10_000);
      await status;
      clearTimeout(timer);
    }
    await drained.catch(() => {});
    return await status;
  };
  for (let tries = 0; tries < 600 && !state.exited; tries++) {
    try {
      const res = await fetch(`${base}/healthz`);
      await res.body?.cancel();
      if (res.status === 200) return { base, output: () => text, stop };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`the server did not come up (exit ${state.exited?.code}):\n${text}`);
}

/** Runs `deno <args>` in `cwd` to the end: its exit code and everything it printed. */
export async function runDeno(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}
