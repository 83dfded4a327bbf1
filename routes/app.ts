/**
 * The installable app (issue 18): `/manifest.webmanifest`, `/sw.js` (scope `/`) and the
 * offline page; the icons are files under /static/icons/ (made by make_icons.ts). Mounted
 * before the session is read: none of it is private, and none of it takes input.
 */
import { Hono } from "hono";
import { cachedSiteSettings } from "../lib/accounts/mod.ts";
import { answerWithForms, type EncodedForms, encodedForms } from "../lib/web/mod.ts";
import type { Env } from "./_http.ts";

/** The brand's indigo (the Logo's square): the standalone window's bar, and the page's. */
export const THEME_COLOR = "#4f46e5";
/** The page's background (slate-100), shown while the app starts. */
const BACKGROUND_COLOR = "#f1f5f9";

const ICONS = "/static/icons";

/** The app's manifest: the site's name (as an admin set it), the icons, standalone. */
export function manifest(name: string) {
  const chars = Array.from(name);
  return {
    id: "/",
    name,
    short_name: chars.length <= 12 ? name : chars.slice(0, 12).join("").trim(),
    description: "Team chat",
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: BACKGROUND_COLOR,
    theme_color: THEME_COLOR,
    icons: [
      { src: `${ICONS}/icon-192.png`, sizes: "192x192", type: "image/png", purpose: "any" },
      { src: `${ICONS}/icon-512.png`, sizes: "512x512", type: "image/png", purpose: "any" },
      {
        src: `${ICONS}/maskable-192.png`,
        sizes: "192x192",
        type: "image/png",
        purpose: "maskable",
      },
      {
        src: `${ICONS}/maskable-512.png`,
        sizes: "512x512",
        type: "image/png",
        purpose: "maskable",
      },
    ],
  };
}

/** Each kept in every encoding (brotli, gzip: compressed once per process, at best quality). */
type Served = {
  worker: EncodedForms;
  offline: EncodedForms;
  offlinePolicy: string;
  version: string;
};

let served: Promise<Served> | null = null;

/**
 * The worker and the offline page, read once per process. The worker's VERSION is a hash of
 * both files: when either changes the browser finds a new worker, which caches the new page.
 */
function loadServed(): Promise<Served> {
  served ??= (async () => {
    const read = (name: string) => Deno.readTextFile(new URL(`../static/${name}`, import.meta.url));
    const [source, offline] = await Promise.all([read("sw.js"), read("offline.html")]);
    const version = (await sha256(`${source}\0${offline}`, "hex")).slice(0, 16);
    // Served without its whole-line comments (they are for the people reading the source).
    const worker = source
      .replace(/^const VERSION = "dev";$/m, `const VERSION = "${version}";`)
      .replace(/^\s*\/\/.*\n/gm, "");
    // The page's one style element is allowed by its hash: the page needs no other file, so
    // it works from the cache alone, and it may run no script at all.
    const style = /<style>([\s\S]*?)<\/style>/.exec(offline)?.[1] ?? "";
    const offlinePolicy = `default-src 'none'; style-src 'sha256-${await sha256(
      style,
      "base64",
    )}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
    return {
      worker: await encodedForms(worker),
      offline: await encodedForms(offline),
      offlinePolicy,
      version,
    };
  })();
  served.catch(() => (served = null));
  return served;
}

async function sha256(text: string, encoding: "hex" | "base64"): Promise<string> {
  const bytes = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return encoding === "hex"
    ? [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
    : btoa(String.fromCharCode(...bytes));
}

export const appRoutes = new Hono<Env>()
  .get("/manifest.webmanifest", async (c) => {
    const { kv, config } = c.get("ctx");
    const site = await cachedSiteSettings(kv, config);
    return c.body(JSON.stringify(manifest(site.name)), 200, {
      "Content-Type": "application/manifest+json; charset=utf-8",
      // A renamed site shows within minutes.
      "Cache-Control": "public, max-age=300",
    });
  })
  .get("/sw.js", async (c) => {
    const { worker } = await loadServed();
    // no-cache with an ETag: the browser's update check is a 304 while the worker is the same.
    return answerWithForms(c, worker, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "no-cache",
    });
  })
  .get("/offline", async (c) => {
    const { offline, offlinePolicy } = await loadServed();
    return answerWithForms(c, offline, {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": offlinePolicy,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "Cache-Control": "no-cache",
    });
  });
