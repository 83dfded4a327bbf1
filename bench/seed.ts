/**
 * The stores `deno task bench` measures, written through the app's own lib functions
 * (createUser, createConversation, and the server's own group-commit MessageWriter: the same
 * keys, values, heads, read marks and search postings a running server writes, so the seed
 * cannot drift from the layout), in the writer's largest batches (up to 200 messages a commit).
 *
 * Seeding 1,000,000 messages takes minutes, so a store is cached in ~/.cache/hearth-bench
 * under a version key: a hash of the store's shape and of every source file that decides
 * what is written. Any change to those files seeds anew; stale files are removed. A bench
 * run works on a copy (the server writes sessions and read marks).
 */
import { createConversation } from "../lib/conversations/mod.ts";
import { MessageWriter, type SendRequest } from "../lib/messages/mod.ts";
import { SearchIndexer } from "../lib/search/mod.ts";
import { createUser, type User } from "../lib/accounts/mod.ts";
import { notifyPendingPrefix, outboxJobKey, outboxQueuePrefix } from "../lib/storage/mod.ts";

export type StoreShape = {
  /** Messages in the measured conversation. */
  history: number;
  /** Conversations in the whole store (others' conversations fill it up to this). */
  conversations: number;
};

/** The people and places a bench signs in as and asks for. */
export type SeededStore = {
  path: string;
  password: string;
  /** Reads `conversationId` (50 messages a page) with 5 conversations in the sidebar. */
  reader: string;
  conversationId: string;
  /** Users with 5 and with 500 conversations, for the list's cost. */
  fewLists: string;
  /** An author of the measured conversation besides the reader and the writer (`from:`). */
  author?: string;
  manyLists: string;
  shape: StoreShape;
};

const PASSWORD = "benchmark password";
/** Messages queued in the writer at once: several of its batches. */
const WINDOW = 2000;
const LIST_FEW = 5;
const LIST_MANY = 500;
/** Every file (or folder: its non-test sources) whose code decides what a seeded store holds. */
const LAYOUT_FILES = [
  "bench/seed.ts",
  "lib/storage",
  "lib/accounts",
  "lib/conversations",
  "lib/messages",
  "lib/search",
];
const WORDS = ("the a to and of we it is for on that this can you with be at just have " +
  "will are release deploy build test review merge branch fix bug issue ticket today " +
  "tomorrow meeting notes plan design server client page chat message thread files " +
  "upload search index cache latency budget numbers looks good thanks sure ok later " +
  "lunch coffee morning afternoon sprint demo customer support docs draft final").split(" ");

/** In the measured conversation: the word in one message of RARE_EVERY (search's rare word). */
export const RARE_WORD = "zephyrine";
const RARE_EVERY = 10_000;
/** One message of LINK_EVERY holds a link, one of FILE_EVERY a file (has:link, has:file). */
const LINK_EVERY = 50;
const FILE_EVERY = 100;
/**
 * The measured conversation's messages come this far apart (the seed's clock): three years
 * for the million, so a week holds ~6,400 messages on every store that long.
 */
const MS_PER_MESSAGE = 3 * 365 * 86_400_000 / 1_000_000;

/** A message of the measured conversation: text() with its rare word, link and file. */
function varied(i: number, author: User, conversationId: string): SendRequest {
  let content = text(i);
  if (i % RARE_EVERY === 0) content += ` ${RARE_WORD}`;
  if (i % LINK_EVERY === 7) content += ` https://example.com/notes/${i}`;
  return {
    author,
    conversationId,
    content,
    ...(i % FILE_EVERY === 13
      ? {
        attachments: [{
          id: `bench-file-${i}`,
          name: `notes-${i}.pdf`,
          size: 10_000 + i,
          contentType: "application/pdf",
        }],
      }
      : {}),
  };
}

/**
 * Runs `fn` with `new Date()` (no arguments: what stamps a message's createdAt) reading a
 * seed's clock: `fn` moves it with `at(fraction)` through `spanMs` ending at the real time,
 * and each reading is a millisecond past the last. A history written in minutes reads as one
 * written over years, times rising with seqs as a writer's do. `Date.now()`, `Date.parse`
 * and timers keep the real clock.
 */
async function spreadClock<T>(
  spanMs: number,
  fn: (at: (fraction: number) => void) => Promise<T>,
): Promise<T> {
  const RealDate = Date;
  const start = RealDate.now() - spanMs;
  let base = start;
  let t = start;
  const next = () => t = Math.min(Math.max(t + 1, base), RealDate.now());
  const SeedDate = class extends RealDate {
    constructor(...args: unknown[]) {
      super(...((args.length === 0 ? [next()] : args) as [number]));
    }
  };
  globalThis.Date = SeedDate as DateConstructor;
  try {
    return await fn((fraction) => base = start + Math.floor(spanMs * fraction));
  } finally {
    globalThis.Date = RealDate;
  }
}

/** Chat-like text: 6–14 words, common ones far more often than rare ones. */
function text(i: number): string {
  const n = 6 + (i % 9);
  const words: string[] = [];
  let x = (i * 2654435761) >>> 0;
  for (let k = 0; k < n; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const r = (x >>> 8) / 2 ** 24;
    words.push(WORDS[Math.floor(r * r * WORDS.length)]);
  }
  return words.join(" ");
}

async function hashHex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function versionOf(root: string, shape: StoreShape): Promise<string> {
  const parts = [Deno.version.deno, JSON.stringify(shape)];
  for (const file of await layoutSources(root)) parts.push(await Deno.readTextFile(file));
  return (await hashHex(parts.join("\0"))).slice(0, 16);
}

/** LAYOUT_FILES expanded: each folder's .ts/.tsx files but tests, in a stable order. */
async function layoutSources(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const path of LAYOUT_FILES) {
    const full = `${root}/${path}`;
    if ((await Deno.stat(full)).isFile) {
      out.push(full);
      continue;
    }
    for await (const e of Deno.readDir(full)) {
      if (e.isFile && /\.tsx?$/.test(e.name) && !/_test\.tsx?$/.test(e.name)) {
        out.push(`${full}/${e.name}`);
      }
    }
  }
  return out.sort();
}

function cacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  return `${base}/hearth-bench`;
}

/** Sends requests through one writer, `WINDOW` queued at a time (it batches them). */
async function sendAll(
  kv: Deno.Kv,
  count: number,
  request: (i: number) => SendRequest,
  progress?: (done: number) => void,
  sent?: () => void,
): Promise<void> {
  const writer = new MessageWriter(kv, new SearchIndexer(kv));
  for (let done = 0; done < count; done += WINDOW) {
    const sends: Promise<unknown>[] = [];
    for (let i = done; i < Math.min(count, done + WINDOW); i++) {
      sends.push(sent ? writer.send(request(i)).then(sent) : writer.send(request(i)));
    }
    await Promise.all(sends);
    if (progress && (done / WINDOW) % 50 === 0) progress(done);
  }
  // The store is cached and measured as a server leaves it at rest: fully indexed.
  await writer.indexed();
}

/** Runs `fn` over `items`, `limit` at a time. */
async function each<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function build(path: string, shape: StoreShape, log: (s: string) => void) {
  const kv = await Deno.openKv(path);
  try {
    const [reader, writer, few, many] = await Promise.all(
      ["reader", "writer", "fewlists", "manylists"].map((username) =>
        createUser(kv, { username, password: PASSWORD, displayName: `Bench ${username}` })
      ),
    );
    const more = await Promise.all(
      Array.from(
        { length: 6 },
        (_, i) =>
          createUser(kv, {
            username: `author${i}`,
            password: PASSWORD,
            displayName: `Author ${i}`,
          }),
      ),
    );
    const main = await createConversation(kv, reader, {
      others: [writer, ...more],
      title: "Bench room",
    });
    log(`seeding ${shape.history} messages`);
    // Eight authors, the writer and the reader most often.
    const authors = [writer, reader, writer, reader, ...more];
    await spreadClock(shape.history * MS_PER_MESSAGE, (at) => {
      let sent = 0;
      return sendAll(
        kv,
        shape.history,
        (i) => {
          const who = authors[((i * 2654435761) >>> 7) % authors.length];
          return varied(i, who, main.conversation.id);
        },
        (n) => log(`  ${n}`),
        () => at(++sent / shape.history),
      );
    });
    // The reader's sidebar: 5 conversations in all.
    const made = [main.conversation.id];
    const groups = async (owner: User, count: number) => {
      const ids: string[] = [];
      await each(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
        const { conversation } = await createConversation(kv, owner, {
          others: [writer],
          title: `Group ${i}`,
        });
        ids.push(conversation.id);
      });
      // A few messages each, the last one unread by the owner (as a sidebar usually has).
      await sendAll(
        kv,
        ids.length * 2,
        (i) =>
          i % 2 === 0 ? { author: owner, conversationId: ids[i >> 1], content: text(i) } : {
            author: writer,
            conversationId: ids[i >> 1],
            content: `@${owner.username} ${text(i)}`,
          },
      );
      made.push(...ids);
    };
    await groups(reader, LIST_FEW - 1);
    await groups(few, LIST_FEW);
    await groups(many, LIST_MANY);
    const others = shape.conversations - made.length;
    if (others > 0) {
      log(`seeding ${others} other conversations`);
      const people = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) => createUser(kv, { username: `other${i}`, password: PASSWORD }),
        ),
      );
      const ids: string[] = [];
      await each(Array.from({ length: others }, (_, i) => i), 8, async (i) => {
        const a = people[i % 20], b = people[(i * 7 + 3) % 20];
        const { conversation } = await createConversation(kv, a, {
          others: [b, writer],
          title: `Other ${i}`,
        });
        ids.push(conversation.id);
      });
      await sendAll(kv, ids.length, (i) => ({
        author: writer,
        conversationId: ids[i],
        content: text(i),
      }));
    }
    // The link previews those messages queued: a server at rest has worked them off (and a
    // bench's server must not fetch example.com meanwhile). So has its notifier the markers of
    // the conversations with new messages: left in, a server started on the large store spent
    // its first minutes working off 10,000 of them while the pages and REST were measured (a
    // conversation without a cursor starts near its head when it next has one).
    for (
      const prefix of [
        outboxQueuePrefix("unfurl"),
        outboxJobKey("unfurl", "").slice(0, 2),
        notifyPendingPrefix(),
      ]
    ) {
      for await (const e of kv.list({ prefix }, { batchSize: 500 })) await kv.delete(e.key);
    }
    return {
      password: PASSWORD,
      author: more[0].username,
      reader: reader.username,
      conversationId: main.conversation.id,
      fewLists: few.username,
      manyLists: many.username,
      shape,
    };
  } finally {
    kv.close();
  }
}

/**
 * A store of this shape, copied into `workDir` (seeded, or taken from the cache when the
 * layout files have not changed since it was seeded). `log` hears progress.
 */
export async function seededStore(
  root: string,
  shape: StoreShape,
  workDir: string,
  log: (s: string) => void = () => {},
): Promise<SeededStore> {
  const version = await versionOf(root, shape);
  const dir = cacheDir();
  const name = `store-${shape.history}-${shape.conversations}`;
  const cached = `${dir}/${name}-${version}.kv`;
  const meta = `${cached}.json`;
  let info: Omit<SeededStore, "path">;
  try {
    info = JSON.parse(await Deno.readTextFile(meta));
    log(`${name}: cached (${version})`);
  } catch {
    await Deno.mkdir(dir, { recursive: true });
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(`${name}-`)) await Deno.remove(`${dir}/${e.name}`).catch(() => {});
    }
    const started = performance.now();
    const tmp = `${cached}.tmp-${crypto.randomUUID()}`;
    info = await build(tmp, shape, (s) => log(`${name}: ${s}`));
    await Deno.rename(tmp, cached);
    await Deno.writeTextFile(meta, JSON.stringify(info));
    log(`${name}: seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const path = `${workDir}/${name}.kv`;
  await Deno.copyFile(cached, path);
  return { path, ...info };
}
