/**
 * `deno task bench:files`: uploads and downloads a 100 MB file through a real server process
 * (its own KV file), twice, and prints MB/s for each direction and the server's resident
 * memory sampled during each transfer. Streaming means the growth does not follow the file
 * size. Usage: `deno task bench:files [size in MB, default 100]`.
 */
const ROOT = new URL("..", import.meta.url).pathname;
const SIZE = Number(Deno.args[0] ?? 100) * 1024 * 1024;
const PIECE = 256 * 1024;

function readStatus(pid: number, field: "VmRSS" | "VmHWM"): number {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return kb * 1024;
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

const dir = await Deno.makeTempDir();
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "main.ts"],
  cwd: ROOT,
  env: {
    KV_PATH: `${dir}/bench.kv`,
    PORT: "0",
    HOSTNAME: "127.0.0.1",
    RATE_LIMIT_SCALE: "0",
    REGISTRATION: "open",
    MAX_UPLOAD_BYTES: String(SIZE + 1),
    PROJECT_QUOTA_BYTES: String(SIZE * 4),
    LOG_LEVEL: "info",
  },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

try {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let base = "";
  while (!base) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited:\n${out}`);
    out += value;
    base = /"url":"(http:\/\/[^"]+?)\/?"/.exec(out)?.[1] ?? "";
  }
  void (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  const headers = { "content-type": "application/json", origin: base };
  const reg = await fetch(`${base}/api/auth/register`, {
    method: "POST",
    headers,
    body: JSON.stringify({ username: "bench", password: "benchmark password" }),
  });
  const cookie = reg.headers.getSetCookie()[0].split(";")[0];
  const { project } = await (await fetch(`${base}/api/projects`, {
    method: "POST",
    headers: { ...headers, cookie },
    body: JSON.stringify({ name: "bench" }),
  })).json();

  const piece = new Uint8Array(PIECE);
  for (let i = 0; i < PIECE; i += 65536) crypto.getRandomValues(piece.subarray(i, i + 65536));

  /** Uploads then downloads one file, sampling the server's RSS every 20 ms. */
  const transfer = async () => {
    const boundary = "----bench" + crypto.randomUUID();
    const enc = new TextEncoder();
    const head = enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = enc.encode(`\r\n--${boundary}--\r\n`);
    // A Blob body: Deno's fetch sends a ReadableStream body far slower (~20 MB/s here) than
    // the server takes it (curl measured ~80-90 MB/s), which would make this a client bench.
    const parts: Uint8Array<ArrayBuffer>[] = [head];
    for (let sent = 0; sent < SIZE; sent += PIECE) {
      parts.push(piece.subarray(0, Math.min(PIECE, SIZE - sent)));
    }
    parts.push(tail);
    const body = new Blob(parts);
    const before = readStatus(child.pid, "VmRSS");
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, readStatus(child.pid, "VmRSS"))), 20);
    let t = performance.now();
    const up = await fetch(`${base}/api/projects/${project.id}/files`, {
      method: "POST",
      headers: {
        origin: base,
        cookie,
        "content-type": `multipart/form-data; boundary=${boundary}`,
      },
      body,
    });
    const upSeconds = (performance.now() - t) / 1000;
    if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${await up.text()}`);
    const { file } = await up.json();
    const upPeak = peak;
    t = performance.now();
    const down = await fetch(`${base}/api/projects/${project.id}/files/${file.id}`, {
      headers: { cookie },
    });
    let received = 0;
    for await (const chunk of down.body!) received += chunk.length;
    const downSeconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    if (received !== SIZE) throw new Error(`downloaded ${received} of ${SIZE} bytes`);
    return { upSeconds, downSeconds, before, upPeak, peak };
  };

  const rate = (s: number) => `${(SIZE / 1024 / 1024 / s).toFixed(1)} MB/s`;
  const growth = (peak: number, from: number) => `${mb(peak)} MB (+${mb(peak - from)})`;
  console.log(
    `file size ${mb(SIZE)} MB; server RSS at start ${mb(readStatus(child.pid, "VmRSS"))} MB`,
  );
  const runs = [await transfer(), await transfer()];
  for (const [label, run] of [["1st", runs[0]], ["2nd", runs[1]]] as const) {
    console.log(
      `${label} transfer: upload ${rate(run.upSeconds)}, download ${rate(run.downSeconds)}; ` +
        `RSS ${mb(run.before)} MB before, peak ${growth(run.upPeak, run.before)} uploading, ` +
        `${growth(run.peak, run.before)} overall`,
    );
  }
  console.log(`server peak RSS (VmHWM) ${mb(readStatus(child.pid, "VmHWM"))} MB`);
  // For `deno task bench` (bench/all.ts), which prints every bench in one table.
  const json = Deno.env.get("BENCH_JSON");
  if (json) {
    await Deno.writeTextFile(
      json,
      JSON.stringify({
        sizeMB: SIZE / 2 ** 20,
        runs: runs.map((r) => ({
          uploadMBs: SIZE / 2 ** 20 / r.upSeconds,
          downloadMBs: SIZE / 2 ** 20 / r.downSeconds,
          growthMB: (r.peak - r.before) / 2 ** 20,
        })),
      }),
    );
  }
  console.log(
    "note: the 1st transfer's growth is the KV store's SQLite cache warming up (about +78 MB\n" +
      "      once ~100 MB are written, the same after 200 or 400 MB) and chunks read or written\n" +
      "      that V8 has not collected yet; the 2nd shows what one more file costs (budget 64 MB).",
  );
} finally {
  child.kill("SIGTERM");
  await child.status;
  await Deno.remove(dir, { recursive: true });
}
