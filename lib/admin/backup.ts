/**
 * Export and import of the whole store as NDJSON: a header line, one line per KV entry
 * (`{"k": key, "v": value}` in kv_codec's portable JSON), and a footer with the counts.
 *
 * Every top-level key prefix is exported except the ephemeral ones (rate-limit counters,
 * OAuth states, upload markers, the account-event signal) and, unless asked for, sessions.
 * A file's chunks are written right before its record, so a file in the export is whole.
 *
 * A live server need not stop: entries are read in batches with strong consistency, each
 * batch a snapshot of its own. Prefixes are read in key order, so a conversation's head is
 * read before its messages and change log: a message sent meanwhile may be in the export with
 * the head before it. The import puts such heads right (seq and rev cover every message and
 * change imported, read marks never pass the head) and recomputes each project's storage
 * usage from its files. Search postings and clientId entries, read after the messages, may
 * name a message sent after its conversation's messages were read: the import drops those
 * seqs (else a later message given that seq would match the other's words, or its clientId).
 * Each person's count of push subscriptions is set again from the subscriptions imported.
 * What changed during the export may or may not be in it; nothing in it is half a record.
 */
import {
  commitRetryingLocks,
  decodeKey,
  decodeValue,
  encodeKey,
  encodeValue,
  EPHEMERAL_KINDS,
  headKey,
  SESSION_KINDS,
} from "../storage/mod.ts";
import { type Posting, readPosting } from "../search/mod.ts";
import { recountPushSubscriptions } from "../notify/mod.ts";

export const EXPORT_FORMAT = "hearth-kv-export";
export const EXPORT_VERSION = 1;

/** Never exported: they expire on their own and mean nothing in another store. */
const EPHEMERAL = new Set(EPHEMERAL_KINDS);
/** Exported only with `sessions`: signing everyone in again is the safe default. */
const SESSION_PREFIXES = new Set(SESSION_KINDS);
/** Written with their file record (see exportStore), not on their own. */
const CHUNKS = "file_chunk";

type Header = { format: string; version: number; createdAt: string; sessions: boolean };
type Footer = { end: true; entries: number; counts: Record<string, number> };
type Line = { k: unknown; v: unknown } | { dropFile: string } | Header | Footer;

/** Entries per prefix (the first key part) written or read. */
export type Counts = Record<string, number>;

/**
 * Writes every exported entry of the store to `write`, one JSON line per call (awaited:
 * the writer's pace bounds memory). Returns the counts per prefix.
 */
export async function exportStore(
  kv: Deno.Kv,
  write: (line: string) => Promise<void>,
  options: { sessions?: boolean; batchSize?: number } = {},
): Promise<Counts> {
  const batchSize = options.batchSize ?? 500;
  const counts: Counts = {};
  let entries = 0;
  const emit = async (line: Line) => await write(JSON.stringify(line) + "\n");
  const emitEntry = async (key: Deno.KvKey, value: unknown) => {
    await emit({ k: encodeKey(key), v: encodeValue(value) });
    const prefix = String(key[0]);
    counts[prefix] = (counts[prefix] ?? 0) + 1;
    entries++;
  };
  await emit({
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    createdAt: new Date().toISOString(),
    sessions: options.sessions ?? false,
  });
  for await (const prefix of topLevelPrefixes(kv)) {
    if (EPHEMERAL.has(prefix) || prefix === CHUNKS) continue;
    if (SESSION_PREFIXES.has(prefix) && !options.sessions) continue;
    // A key of one part (the site's settings, its founding) is not under its own prefix.
    const single = await kv.get([prefix], { consistency: "strong" });
    if (single.versionstamp !== null) await emitEntry(single.key, single.value);
    const list = kv.list({ prefix: [prefix] }, { batchSize, consistency: "strong" });
    for await (const entry of list) {
      if (prefix === "file") {
        const record = entry.value as { id: string; chunks: number };
        const written = await exportChunks(kv, record.id, emitEntry, batchSize);
        // Deleted while we read it (chunks go after the record): the import drops it.
        if (written !== record.chunks) {
          await emit({ dropFile: record.id });
          continue;
        }
      }
      await emitEntry(entry.key, entry.value);
    }
  }
  await emit({ end: true, entries, counts });
  return counts;
}

async function exportChunks(
  kv: Deno.Kv,
  fileId: string,
  emitEntry: (key: Deno.KvKey, value: unknown) => Promise<void>,
  batchSize: number,
): Promise<number> {
  let n = 0;
  const list = kv.list({ prefix: [CHUNKS, fileId] }, {
    batchSize: Math.min(batchSize, 10),
    consistency: "strong",
  });
  for await (const chunk of list) {
    await emitEntry(chunk.key, chunk.value);
    n++;
  }
  return n;
}

/**
 * The distinct first key parts, in key order, one read each: whole prefixes (a store's
 * file chunks) are skipped without being read. Every first part in this app is a string.
 */
async function* topLevelPrefixes(kv: Deno.Kv): AsyncGenerator<string> {
  let start: Deno.KvKey | null = null;
  while (true) {
    const selector: Deno.KvListSelector = start ? { prefix: [], start } : { prefix: [] };
    const next = await kv.list(selector, { limit: 1, consistency: "strong" }).next();
    const first: Deno.KvEntry<unknown> | undefined = next.value || undefined;
    if (!first) return;
    const part: Deno.KvKeyPart = first.key[0];
    if (typeof part !== "string") {
      throw new TypeError(`Cannot export a key whose first part is not a string: ${String(part)}`);
    }
    yield part;
    // ["p\0"] sorts after every ["p", …] key and before any other prefix.
    start = [part + "\u0000"];
  }
}

/** Thrown for an export file that cannot be imported (the message says why). */
export class ImportError extends Error {}

/** What a first pass over the file found: it is whole, and which files to leave out. */
type Scan = { header: Header; footer: Footer; droppedFiles: Set<string> };

/**
 * Reads the lines once without writing: checks the header, that every line decodes, and
 * that the footer is there with the right count (a cut-off file is refused before anything
 * is written). Throws ImportError.
 */
export async function scanExport(lines: AsyncIterable<string>): Promise<Scan> {
  let header: Header | null = null;
  let footer: Footer | null = null;
  let entries = 0;
  const droppedFiles = new Set<string>();
  let n = 0;
  for await (const text of lines) {
    n++;
    if (!text.trim()) continue;
    if (footer) throw new ImportError(`Line ${n}: data after the end marker.`);
    const line = parseLine(text, n);
    if (!header) {
      header = line as Header;
      if (header.format !== EXPORT_FORMAT) {
        throw new ImportError("This is not a Hearth export (no header line).");
      }
      if (header.version !== EXPORT_VERSION) {
        throw new ImportError(`Unsupported export version ${header.version}.`);
      }
    } else if ("end" in line) footer = line;
    else if ("dropFile" in line) droppedFiles.add(String(line.dropFile));
    else if ("k" in line) {
      try {
        decodeKey(line.k);
        decodeValue(line.v);
      } catch (err) {
        throw new ImportError(`Line ${n}: ${(err as Error).message}`);
      }
      entries++;
    } else throw new ImportError(`Line ${n}: not an entry.`);
  }
  if (!header) throw new ImportError("The file is empty.");
  if (!footer) throw new ImportError("The export is incomplete: it has no end marker.");
  if (footer.entries !== entries) {
    throw new ImportError(`The export says ${footer.entries} entries but holds ${entries}.`);
  }
  return { header, footer, droppedFiles };
}

function parseLine(text: string, n: number): Line {
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw new ImportError(`Line ${n} is not a JSON object.`);
}

/** True when the store holds no key at all. */
export async function isStoreEmpty(kv: Deno.Kv): Promise<boolean> {
  return (await kv.list({ prefix: [] }, { limit: 1 }).next()).value === undefined;
}

/** KV allows 1,000 mutations and 800 KiB per commit; these stay well under both. */
const MAX_MUTATIONS = 500;
const MAX_BYTES = 512 * 1024;

/**
 * Restores an export into an empty store (ImportError otherwise), in atomic batches, then
 * puts heads, read marks and storage usage right (see the module comment). `lines` is
 * called twice: once to check the whole file, once to write. Returns the counts per prefix.
 */
export async function importStore(
  kv: Deno.Kv,
  lines: () => AsyncIterable<string>,
): Promise<Counts> {
  if (!(await isStoreEmpty(kv))) {
    throw new ImportError("The store is not empty: import only into a new, empty store.");
  }
  const { droppedFiles } = await scanExport(lines());
  const batch = new Batch(kv);
  const fixes = new Fixes();
  const counts: Counts = {};
  const sessionExpiry = new Map<string, number>();
  for await (const text of lines()) {
    if (!text.trim()) continue;
    const line = JSON.parse(text) as Line;
    if (!("k" in line)) continue;
    const key = decodeKey(line.k);
    let value = decodeValue(line.v);
    const prefix = String(key[0]);
    if (prefix === CHUNKS && droppedFiles.has(String(key[1]))) continue;
    let expireIn: number | undefined;
    if (prefix === "session") {
      expireIn = sessionRemainingMs(value);
      if (expireIn <= 0) continue;
      sessionExpiry.set(String(key[1]), expireIn);
    } else if (prefix === "user_session") {
      expireIn = sessionExpiry.get(String(key[2]));
      if (expireIn === undefined) continue;
    }
    value = fixes.see(key, value);
    if (value === DROP) continue;
    await batch.set(key, value, expireIn);
    counts[prefix] = (counts[prefix] ?? 0) + 1;
  }
  await batch.flush();
  await fixes.apply(kv);
  // An export is not a snapshot: a subscription added or removed while it ran may be in it
  // with its person's count from before. The notifier reads the count, so it is set again.
  await recountPushSubscriptions(kv);
  return counts;
}

/** Until a session record's first deadline (absolute or idle), as sessions.ts counts it. */
function sessionRemainingMs(value: unknown): number {
  const r = value as { expiresAt: string; lastSeenAt?: string; createdAt: string; idleMs?: number };
  const now = Date.now();
  const absolute = Date.parse(r.expiresAt) - now;
  const idle = r.idleMs === undefined
    ? absolute
    : Date.parse(r.lastSeenAt ?? r.createdAt) + r.idleMs - now;
  return Math.ceil(Math.min(absolute, idle));
}

/** Sets in atomic commits within KV's limits. */
class Batch {
  #kv: Deno.Kv;
  #ops: { key: Deno.KvKey; value: unknown; expireIn?: number }[] = [];
  #bytes = 0;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async set(key: Deno.KvKey, value: unknown, expireIn?: number): Promise<void> {
    const size = approximateSize(key) + approximateSize(value);
    if (this.#ops.length >= MAX_MUTATIONS || this.#bytes + size > MAX_BYTES) await this.flush();
    this.#ops.push({ key, value, expireIn });
    this.#bytes += size;
  }

  async flush(): Promise<void> {
    if (this.#ops.length === 0) return;
    const ops = this.#ops;
    this.#ops = [];
    this.#bytes = 0;
    const result = await commitRetryingLocks(() => {
      const op = this.#kv.atomic();
      for (const o of ops) op.set(o.key, o.value, o.expireIn ? { expireIn: o.expireIn } : {});
      return op;
    });
    if (!result.ok) throw new ImportError("A batch failed to commit.");
  }
}

/** Bytes a key or value takes, roughly (bytes exactly; the rest by its JSON, with margin). */
function approximateSize(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength + 16;
  return Math.ceil(JSON.stringify(encodeValue(value)).length * 1.25) + 16;
}

type Head = { seq: number; rev?: number; updatedAt: string; lastMessage: unknown };

/** What Fixes.see() returns for an entry that must not be imported. */
const DROP = Symbol("drop");

/**
 * What a live export can leave slightly off, noted while importing (in key order: heads come
 * before messages, changes and read marks; file records before usage) and put right at the end.
 */
class Fixes {
  #heads = new Map<string, Head>();
  #lastMessage = new Map<string, { seq: number; record: { createdAt: string } }>();
  #lastRev = new Map<string, number>();
  #usage = new Map<string, bigint>();
  /** Bytes per uploader ("user_usage" sorts after "file"). */
  #userUsage = new Map<string, bigint>();

  see(key: Deno.KvKey, value: unknown): unknown {
    const [prefix, a, b] = key;
    // "msg_client", "msg_client_t" and "search" sort after "msg": every message of the
    // export is seen by now. A UUIDv7's entry is filed time first: its conversation is b.
    if (prefix === "msg_client" && typeof value === "number") {
      return value > this.#lastSeq(String(a)) ? DROP : value;
    }
    if (prefix === "msg_client_t" && typeof value === "number") {
      return value > this.#lastSeq(String(b)) ? DROP : value;
    }
    if (prefix === "search") return this.#trimPosting(key, value);
    // The search cursor covers no message the export lacks (search_indexer.ts).
    if (prefix === "search_cursor" && typeof value === "number") {
      return Math.min(value, this.#lastSeq(String(a)));
    }
    const id = String(a);
    if (prefix === "conv_head") this.#heads.set(id, value as Head);
    else if (prefix === "msg" && typeof b === "number") {
      const record = value as { createdAt: string };
      if (b > (this.#lastMessage.get(id)?.seq ?? 0)) this.#lastMessage.set(id, { seq: b, record });
    } else if (prefix === "msg_change" && typeof b === "number") {
      this.#lastRev.set(id, Math.max(b, this.#lastRev.get(id) ?? 0));
    } else if (prefix === "read_mark" && typeof value === "number") {
      return Math.min(value, this.#headSeq(id));
    } else if (prefix === "file") {
      const record = value as { size: number; uploadedById: string };
      const size = BigInt(record.size);
      this.#usage.set(id, (this.#usage.get(id) ?? 0n) + size);
      const by = record.uploadedById;
      this.#userUsage.set(by, (this.#userUsage.get(by) ?? 0n) + size);
    } else if (prefix === "project_usage") {
      return new Deno.KvU64(this.#usage.get(id) ?? 0n);
    } else if (prefix === "user_usage") {
      return new Deno.KvU64(this.#userUsage.get(id) ?? 0n);
    }
    return value;
  }

  /** The last message imported for a conversation (seq is gapless: all before it are too). */
  #lastSeq(conversationId: string): number {
    return this.#lastMessage.get(conversationId)?.seq ?? 0;
  }

  #trimPosting(key: Deno.KvKey, value: unknown): unknown {
    const last = this.#lastSeq(String(key[1]));
    const posting = readPosting(key, value);
    if (posting.seqs.every((seq) => seq <= last)) return value;
    const keep = posting.seqs.flatMap((seq, i) => seq <= last ? [i] : []);
    if (keep.length === 0) return DROP;
    return {
      seqs: keep.map((i) => posting.seqs[i]),
      at: keep.map((i) => posting.at[i]),
    } satisfies Posting;
  }

  #headSeq(conversationId: string): number {
    return Math.max(
      this.#heads.get(conversationId)?.seq ?? 0,
      this.#lastMessage.get(conversationId)?.seq ?? 0,
    );
  }

  /** Moves every head that is behind what was imported (or writes one that is missing). */
  async apply(kv: Deno.Kv): Promise<void> {
    const ids = new Set([...this.#heads.keys(), ...this.#lastMessage.keys()]);
    for (const id of ids) {
      const head = this.#heads.get(id) ?? { seq: 0, updatedAt: "", lastMessage: null, rev: 0 };
      const last = this.#lastMessage.get(id);
      const rev = this.#lastRev.get(id) ?? 0;
      if ((last?.seq ?? 0) <= head.seq && rev <= (head.rev ?? 0)) continue;
      const fixed: Head = { ...head, rev: Math.max(rev, head.rev ?? 0) };
      if (last && last.seq > head.seq) {
        Object.assign(fixed, {
          seq: last.seq,
          lastMessage: last.record,
          updatedAt: last.record.createdAt,
        });
      }
      await commitRetryingLocks(() => kv.atomic().set(headKey(id), fixed));
    }
  }
}
