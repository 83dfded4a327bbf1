/**
 * `deno task export FILE [--sessions]` and `deno task import FILE`: the whole store to a
 * portable file and back (lib/backup.ts says what is in it and what a live export means).
 * The store is the one the configuration names (KV_PATH, or DENO_KV_URL). A FILE ending in
 * `.gz` is gzip-compressed; the import recognises gzip by its bytes. Exit codes: 0 done,
 * 1 failed (the message says why), 2 wrong usage.
 */
import { loadConfig } from "./config.ts";
import { type Counts, exportStore, ImportError, importStore } from "./lib/admin/mod.ts";
import { openKv } from "./lib/storage/mod.ts";

const USAGE = `Usage:
  deno task export FILE [--sessions]   write the store to FILE (.gz: gzip-compressed)
  deno task import FILE                restore FILE into an empty store`;

function printCounts(verb: string, path: string, counts: Counts): void {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`${verb} ${total} entries (${path}):`);
  for (const [prefix, n] of Object.entries(counts)) console.log(`  ${prefix.padEnd(16)} ${n}`);
}

async function runExport(path: string, sessions: boolean): Promise<void> {
  const kv = await openKv(loadConfig());
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const text = new TextEncoderStream();
  const piped = path.endsWith(".gz")
    ? text.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(file.writable)
    : text.readable.pipeTo(file.writable);
  const writer = text.writable.getWriter();
  try {
    const counts = await exportStore(kv, (line) => writer.write(line), { sessions });
    await writer.close();
    await piped;
    printCounts("Exported", path, counts);
  } finally {
    kv.close();
  }
}

/** The file's lines, gunzipped when it starts with gzip's magic bytes. */
async function* readLines(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path);
  const head = new Uint8Array(2);
  const n = await file.read(head);
  await file.seek(0, Deno.SeekMode.Start);
  const gzip = n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  const bytes = gzip ? file.readable.pipeThrough(new DecompressionStream("gzip")) : file.readable;
  let rest = "";
  for await (const text of bytes.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + text).split("\n");
    rest = parts.pop() ?? "";
    yield* parts;
  }
  if (rest) yield rest;
}

async function runImport(path: string): Promise<void> {
  await Deno.stat(path); // a clear "not found" before the store is opened
  const kv = await openKv(loadConfig());
  try {
    printCounts("Imported", path, await importStore(kv, () => readLines(path)));
  } finally {
    kv.close();
  }
}

async function main(args: string[]): Promise<number> {
  const [command, path, ...flags] = args;
  const known = command === "export" ? ["--sessions"] : [];
  if (!path || path.startsWith("-") || flags.some((f) => !known.includes(f))) {
    console.error(USAGE);
    return 2;
  }
  try {
    if (command === "export") await runExport(path, flags.includes("--sessions"));
    else if (command === "import") await runImport(path);
    else {
      console.error(USAGE);
      return 2;
    }
    return 0;
  } catch (err) {
    const known = err instanceof ImportError || err instanceof Deno.errors.NotFound;
    console.error(`${command} failed: ${known ? (err as Error).message : String(err)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
