/**
 * The test side of tests/oauth_provider.ts: starts the provider process and steers it, and
 * a tiny cookie jar that plays the browser (redirects followed by hand, cookies carried).
 */
import assert from "node:assert/strict";

export type Identity = {
  sub: string;
  preferred_username?: string;
  email?: string;
  name?: string;
  login?: string;
};

/** Starts the provider process and reads the issuer URL it prints. */
export async function startProvider() {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./oauth_provider.ts", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the OAuth provider exited before printing its issuer");
    out += value;
  }
  const issuer = out.split("\n")[0].trim();
  return {
    issuer,
    /** Who signs in next, and what goes wrong in the next flow. */
    async control(
      body: { identity?: Identity; deny?: boolean; failToken?: boolean; badNonce?: boolean },
    ) {
      const res = await fetch(`${issuer}/_control`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    },
    async close() {
      await child.stdin.close();
      await reader.cancel();
      await child.status;
    },
  };
}

/** A browser's cookies (per test only one app host; the provider sets none we need). */
export class Jar {
  cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async get(url: string | URL): Promise<Response> {
    const res = await fetch(url, { redirect: "manual", headers: { cookie: this.header() } });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      const gone = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === "";
      if (gone) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.trim());
    }
    return res;
  }

  /** Follows redirects from `url` while `more(location)` says so; the last response and its URL. */
  async follow(url: string, more: (next: URL) => boolean = () => true) {
    let current = new URL(url);
    for (let hops = 0; hops < 10; hops++) {
      const res = await this.get(current);
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
      const next = new URL(location, current);
      if (!more(next)) {
        await res.body?.cancel();
        return { res, url: next };
      }
      await res.body?.cancel();
      current = next;
    }
    throw new Error("too many redirects");
  }

  clone(): Jar {
    const copy = new Jar();
    copy.cookies = new Map(this.cookies);
    return copy;
  }
}
