/**
 * Outbound addresses: every request that leaves for an address someone else gave (a push
 * service, later webhooks and link previews) is resolved and checked first. Loopback, private,
 * shared (CGNAT), unique-local, multicast and reserved ranges are refused; `allowPrivate` (the
 * tests' switch, e.g. PUSH_ALLOW_PRIVATE=1) opens loopback and private ranges and plain http,
 * never link-local (169.254.0.0/16, fe80::/10: where cloud metadata services live).
 * Redirects are not followed unless asked, and then each hop is checked again. A timeout and
 * a size cap bound every answer.
 *
 * What is left: the name is resolved here and again by fetch, so a name whose answers change
 * in between (DNS rebinding) could still reach a refused address; Deno's fetch takes no
 * resolved address to pin. A push service's name is a browser vendor's.
 */

/** A request refused by the address rules (not a network failure: retrying will not help). */
export class AddressRefusedError extends Error {
  constructor(readonly url: string, readonly reason: string) {
    super(`refused address ${url}: ${reason}`);
  }
}

export type GuardOptions = {
  /** Loopback and private ranges and plain http allowed (tests); link-local never. */
  allowPrivate: boolean;
  /** The whole exchange, answer included (default 10 s). */
  timeoutMs?: number;
  /** The answer's body is read up to this many bytes, the rest dropped (default 64 KiB). */
  maxBytes?: number;
  /** Redirects followed, each checked again (default 0: a 3xx is the answer). */
  maxRedirects?: number;
  /** Resolves a name (tests); default Deno.resolveDns, A and AAAA. */
  resolve?: (host: string) => Promise<string[]>;
};

export type GuardedResponse = {
  status: number;
  headers: Headers;
  /** At most `maxBytes` of the body; `truncated` when there was more. */
  body: Uint8Array;
  truncated: boolean;
  url: string;
};

/**
 * Fetches `url` after checking its scheme and every address its host resolves to. Throws
 * AddressRefusedError for a refused address or scheme, and the network's error (a name that
 * cannot be resolved now, a refused connection, a TimeoutError) otherwise.
 */
export async function guardedFetch(
  url: string,
  init: RequestInit,
  options: GuardOptions,
): Promise<GuardedResponse> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const signal = AbortSignal.timeout(timeoutMs);
  let current = url;
  for (let hop = 0;; hop++) {
    const target = await checkUrl(current, options);
    const res = await fetch(target, { ...init, redirect: "manual", signal });
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location && hop < (options.maxRedirects ?? 0)) {
      await res.body?.cancel();
      current = new URL(location, target).href;
      // A redirect is followed as a GET without a body (303, and what browsers do for 301/302).
      if (res.status !== 307 && res.status !== 308) init = { ...init, method: "GET", body: null };
      continue;
    }
    const { body, truncated } = await readCapped(res, maxBytes);
    return { status: res.status, headers: res.headers, body, truncated, url: target.href };
  }
}

async function readCapped(
  res: Response,
  maxBytes: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  if (!res.body) return { body: new Uint8Array(), truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      size = maxBytes;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return { body, truncated };
}

/** The URL, checked: scheme, no credentials, and every address of its host. */
export async function checkUrl(url: string, options: GuardOptions): Promise<URL> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AddressRefusedError(url, "not a URL");
  }
  if (u.protocol !== "https:" && !(options.allowPrivate && u.protocol === "http:")) {
    throw new AddressRefusedError(url, `${u.protocol} is not allowed (https only)`);
  }
  if (u.username || u.password) throw new AddressRefusedError(url, "credentials in the address");
  const host = bareHost(u.hostname);
  const literal = parseIp(host);
  const addresses = literal ? [host] : await (options.resolve ?? resolveHost)(host);
  if (addresses.length === 0) throw new AddressRefusedError(url, "the name has no address");
  for (const address of addresses) {
    const refusal = addressRefusal(address, options.allowPrivate);
    if (refusal) throw new AddressRefusedError(url, refusal);
  }
  return u;
}

async function resolveHost(host: string): Promise<string[]> {
  if (host.toLowerCase() === "localhost" || host.toLowerCase().endsWith(".localhost")) {
    return ["127.0.0.1", "::1"];
  }
  const [a, aaaa] = await Promise.allSettled([
    Deno.resolveDns(host, "A"),
    Deno.resolveDns(host, "AAAA"),
  ]);
  // Both failed: the resolver is down or the name is unknown right now. A network failure
  // (the caller retries), not a refusal.
  if (a.status === "rejected" && aaaa.status === "rejected") {
    throw new Error(`could not resolve ${host}: ${a.reason?.message ?? a.reason}`);
  }
  return [
    ...(a.status === "fulfilled" ? a.value : []),
    ...(aaaa.status === "fulfilled" ? aaaa.value : []),
  ];
}

function bareHost(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

/**
 * Why an address (an IP literal, or a host name: names are not judged here, null) is refused,
 * or null when it may be reached.
 */
export function addressRefusal(host: string, allowPrivate: boolean): string | null {
  const ip = parseIp(bareHost(host));
  if (!ip) {
    const name = host.toLowerCase();
    if (!allowPrivate && (name === "localhost" || name.endsWith(".localhost"))) {
      return "a loopback address";
    }
    return null;
  }
  const kind = classify(ip);
  if (kind === "public") return null;
  if (allowPrivate && (kind === "loopback" || kind === "private")) return null;
  return {
    loopback: "a loopback address",
    private: "a private address",
    "link-local": "a link-local address",
    reserved: "a reserved address",
  }[kind];
}

type Kind = "public" | "loopback" | "private" | "link-local" | "reserved";
type Ip = { v: 4; bytes: number[] } | { v: 6; bytes: number[] };

function parseIp(text: string): Ip | null {
  const v4 = parseV4(text);
  if (v4) return { v: 4, bytes: v4 };
  const v6 = parseV6(text.replace(/%.*$/, ""));
  return v6 ? { v: 6, bytes: v6 } : null;
}

function parseV4(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function parseV6(text: string): number[] | null {
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let tail: number[] = [];
  let head = text;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return null;
    tail = v4;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 255);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes.length === 16 ? bytes : null;
}

function classify(ip: Ip): Kind {
  return ip.v === 4 ? classifyV4(ip.bytes) : classifyV6(ip.bytes);
}

function classifyV4([a, b, c]: number[]): Kind {
  if (a === 127) return "loopback";
  if (a === 169 && b === 254) return "link-local";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b >= 64 && b <= 127) return "private"; // shared address space (CGNAT)
  if (a === 0 || a >= 224) return "reserved"; // this network, multicast, reserved, broadcast
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return "reserved"; // IETF, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return "reserved"; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) {
    return "reserved"; // TEST-NET-2, -3
  }
  return "public";
}

function classifyV6(b: number[]): Kind {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 15) && b[15] === 1) return "loopback"; // ::1
  if (zeros(0, 16)) return "reserved"; // ::
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96): the v4.
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(b.slice(12));
  if (zeros(0, 12)) return classifyV4(b.slice(12));
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) {
    return classifyV4(b.slice(12));
  }
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(b.slice(2, 6)); // 6to4
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return "link-local"; // fe80::/10
  if ((b[0] & 0xfe) === 0xfc) return "private"; // fc00::/7 unique-local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return "private"; // fec0::/10 site-local (old)
  if (b[0] === 0xff) return "reserved"; // multicast
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return "reserved";
  if (b[0] === 0x01 && b[1] === 0x00 && zeros(2, 8)) return "reserved"; // discard 100::/64
  return "public";
}
