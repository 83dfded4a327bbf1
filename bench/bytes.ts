/**
 * Bytes on the wire for the chat page (issue 21): Debian's Chromium through playwright-core
 * opens the signed-in conversation page on the app (a snapshot of this tree, production) and
 * counts what the network carried, from CDP: `Network.loadingFinished.encodedDataLength` of
 * every request (headers and body as received, after compression; a request served from the
 * memory or disk cache carries 0).
 *
 * - cold: a new browser context (nothing cached), navigation to the page until `load` and
 *   the ChatRoom island live (its socket joined; the socket's frames are not counted);
 * - warm: a reload in the same context (the cache filled by the cold visit: immutable assets
 *   come from it, the page and the service worker's check go to the server).
 *
 * Service workers are blocked (see coldAndWarm). Each twice: as Chromium asks (compressed) and with `Accept-Encoding: identity` on every
 * request (what the server sent before it compressed anything). `uncompressedText` lists the
 * text answers of 1 KB or more that came without a Content-Encoding in the compressed run:
 * the target is none.
 */
import type { Browser, BrowserContext } from "playwright-core";
import { launchChromium, signedInContext } from "../tests/support/browser.ts";
import type { Row } from "./all.ts";
import { lastMessageText, signIn, snapshotApp, startApp } from "./http.ts";
import type { SeededStore } from "./seed.ts";

export type Visit = {
  /** Bytes received for every request of the visit (headers and bodies, encoded). */
  bytes: number;
  requests: number;
  /** Bytes by resource type (Document, Script, Stylesheet, …). */
  byType: Record<string, number>;
};

export type BytesFigures = {
  compressed: { cold: Visit; warm: Visit };
  identity: { cold: Visit; warm: Visit };
  /** What Chromium sent as Accept-Encoding for the page. */
  acceptEncoding: string;
  /** Text answers ≥ 1 KB sent without Content-Encoding in the compressed run. */
  uncompressedText: string[];
};

const TEXT =
  /^(?:text\/(?!event-stream)|application\/(?:json|javascript|manifest\+json)|image\/svg)/;

type Probe = { visit: Visit; acceptEncoding: string; uncompressedText: string[] };

/** One navigation (or reload) in `context`, counted by CDP. */
async function visit(
  context: BrowserContext,
  url: string,
  last: string,
  reload: boolean,
): Promise<Probe> {
  const page = context.pages()[0] ?? await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const types = new Map<string, string>();
  const pending = new Map<
    string,
    { url: string; type: string; encoding: string | null; length: number }
  >();
  const visit: Visit = { bytes: 0, requests: 0, byType: {} };
  const uncompressedText: string[] = [];
  let acceptEncoding = "";
  cdp.on("Network.requestWillBeSent", (e) => {
    types.set(e.requestId, e.type ?? "Other");
    if (e.type === "Document") acceptEncoding = e.request.headers["Accept-Encoding"] ?? "";
  });
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => {
    const ae = Object.entries(e.headers).find(([k]) => k.toLowerCase() === "accept-encoding");
    if (ae && !acceptEncoding) acceptEncoding = String(ae[1]);
  });
  cdp.on("Network.responseReceived", (e) => {
    const headers = Object.fromEntries(
      Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    pending.set(e.requestId, {
      url: e.response.url,
      type: headers["content-type"] ?? "",
      encoding: headers["content-encoding"] ?? null,
      length: Number(headers["content-length"] ?? 0),
    });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const type = types.get(e.requestId) ?? "Other";
    visit.bytes += e.encodedDataLength;
    visit.requests++;
    visit.byType[type] = (visit.byType[type] ?? 0) + e.encodedDataLength;
    const res = pending.get(e.requestId);
    if (res && TEXT.test(res.type) && !res.encoding && e.encodedDataLength >= 1024) {
      uncompressedText.push(`${new URL(res.url).pathname} (${e.encodedDataLength} B)`);
    }
  });
  const nav = reload
    ? await page.reload({ waitUntil: "load" })
    : await page.goto(url, { waitUntil: "load" });
  if (nav?.status() !== 200) throw new Error(`the chat page answered ${nav?.status()}`);
  await page.locator("[data-island=ChatRoom] [data-joined]").waitFor({ timeout: 15_000 });
  if (!(await page.content()).includes(last)) {
    throw new Error("the chat page does not show the newest message");
  }
  // Late requests (the service worker's script, icons) finish before the count is read.
  await page.waitForLoadState("networkidle");
  await cdp.detach();
  return { visit, acceptEncoding, uncompressedText };
}

async function coldAndWarm(
  browser: Browser,
  base: string,
  cookie: string,
  url: string,
  last: string,
  identity: boolean,
) {
  const context = await signedInContext(browser, base, cookie, {
    extraHTTPHeaders: identity ? { "Accept-Encoding": "identity" } : {},
    // A worker answers the reload's navigation from its own target, which this page's CDP
    // session does not see: blocked, every request is the page's (the worker's own script
    // and offline page, ~2.6 KB once, are not counted).
    serviceWorkers: "block",
  });
  try {
    const cold = await visit(context, url, last, false);
    const warm = await visit(context, url, last, true);
    return { cold, warm };
  } finally {
    await context.close();
  }
}

/** Bytes on the wire for the chat page, cold and warm, compressed and not (see above). */
export async function benchBytes(app: string, store: SeededStore): Promise<BytesFigures> {
  const server = await startApp(app, store.path);
  const browser = await launchChromium();
  try {
    const base = server.base;
    const cookie = await signIn(base, store.reader, store.password);
    const last = await lastMessageText(base, cookie, store);
    const url = `${base}/conversations/${store.conversationId}`;
    const compressed = await coldAndWarm(browser, base, cookie, url, last, false);
    const identity = await coldAndWarm(browser, base, cookie, url, last, true);
    const sentIdentity = identity.cold.acceptEncoding;
    if (!/^identity$/i.test(sentIdentity)) {
      throw new Error(`the identity run sent Accept-Encoding: ${sentIdentity}`);
    }
    return {
      compressed: { cold: compressed.cold.visit, warm: compressed.warm.visit },
      identity: { cold: identity.cold.visit, warm: identity.warm.visit },
      acceptEncoding: compressed.cold.acceptEncoding,
      uncompressedText: [...compressed.cold.uncompressedText, ...compressed.warm.uncompressedText],
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** The table's rows: each visit's bytes against the same visit uncompressed. */
export function bytesRows(f: BytesFigures): Row[] {
  const row = (name: string, ours: Visit, plain: Visit): Row => ({
    figure: `bytes on the wire, chat page ${name}`,
    value: `${kb(ours.bytes)} (page ${kb(ours.byType.Document ?? 0)}, ${ours.requests} requests)`,
    ceiling: `${kb(plain.bytes)} uncompressed`,
    ratio: (ours.bytes / plain.bytes).toFixed(2),
    target: "",
    met: null,
  });
  return [
    row("cold (new context)", f.compressed.cold, f.identity.cold),
    row("warm (reload)", f.compressed.warm, f.identity.warm),
    {
      figure: "text answers ≥ 1 KB sent uncompressed",
      value: f.uncompressedText.length === 0 ? "none" : f.uncompressedText.join(", "),
      ceiling: "",
      ratio: "",
      target: "none (brotli/gzip for every text answer)",
      met: f.uncompressedText.length === 0,
    },
  ];
}

if (import.meta.main) {
  // deno run -A bench/bytes.ts <seeded store.kv> (its .json beside it): this tree, snapshotted.
  const [storePath] = Deno.args;
  const meta = JSON.parse(await Deno.readTextFile(`${storePath}.json`));
  const dir = await Deno.makeTempDir({ prefix: "hearth-bytes-" });
  try {
    const app = await snapshotApp(dir);
    await Deno.copyFile(storePath, `${dir}/store.kv`);
    const figures = await benchBytes(app, { ...meta, path: `${dir}/store.kv` } as SeededStore);
    console.log(JSON.stringify(figures, null, 2));
    for (const r of bytesRows(figures)) {
      console.log(`${r.figure}: ${r.value} | ${r.ceiling} | ${r.ratio}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
