/**
 * The installable app's files (issue 18): the manifest names the site as an admin set it and
 * lists icons that exist at their stated sizes; the service worker is served at the root,
 * versioned by the hash of what it serves, under the site's script policy; the offline page
 * needs no session and no other file; every page links the manifest and registers the worker.
 */
import assert from "node:assert/strict";
import { EARLY_SOCKET_CSP } from "../../routes/_early_socket.ts";
import { json, registerUser, withApp, withCookie } from "../support/helpers.ts";

/** Width, height and colour type of a PNG (its IHDR chunk). */
function pngInfo(bytes: Uint8Array) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.slice(0, 8)], signature, "a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20), colourType: bytes[25] };
}

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

Deno.test("the manifest names the site and lists icons that load at their sizes", async (t) => {
  await withApp(async (app) => {
    await t.step("no session needed; the web manifest type; standalone from /", async () => {
      const res = await app.fetch("/manifest.webmanifest");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/manifest\+json/);
      assert.equal(res.headers.get("set-cookie"), null);
      const m = await res.json();
      assert.equal(m.name, "Hearth");
      assert.equal(m.short_name, "Hearth");
      assert.equal(m.start_url, "/");
      assert.equal(m.scope, "/");
      assert.equal(m.display, "standalone");
      assert.match(m.theme_color, /^#[0-9a-f]{6}$/);
      assert.match(m.background_color, /^#[0-9a-f]{6}$/);
      const kinds = m.icons.map((i: { sizes: string; purpose: string }) =>
        `${i.sizes} ${i.purpose}`
      );
      assert.deepEqual(kinds.sort(), [
        "192x192 any",
        "192x192 maskable",
        "512x512 any",
        "512x512 maskable",
      ]);
      for (const icon of m.icons) {
        const file = await app.fetch(icon.src);
        assert.equal(file.status, 200, icon.src);
        assert.equal(file.headers.get("content-type"), "image/png");
        const { width, height, colourType } = pngInfo(new Uint8Array(await file.arrayBuffer()));
        assert.equal(`${width}x${height}`, icon.sizes, icon.src);
        // A maskable icon is cut by the launcher: it must fill its square (no transparency
        // is needed, but the corners must not be left empty: RGBA with opaque corners).
        if (icon.purpose === "maskable") assert.ok([2, 6].includes(colourType));
      }
    });

    await t.step("an admin's new site name is the app's name (short name cut to 12)", async () => {
      const admin = await registerUser(app, { username: "root" }); // the first account
      const res = await app.fetch(
        "/api/admin/settings",
        json("PATCH", { name: "Acme Engineering Chat" }, admin.cookie),
      );
      assert.equal(res.status, 200, await res.text());
      const m = await (await app.fetch("/manifest.webmanifest")).json();
      assert.equal(m.name, "Acme Engineering Chat");
      assert.equal(m.short_name, "Acme Enginee");
    });

    await t.step("the apple-touch-icon is 180 px", async () => {
      const file = await app.fetch("/static/icons/apple-touch-icon.png");
      assert.equal(file.status, 200);
      const { width, height } = pngInfo(new Uint8Array(await file.arrayBuffer()));
      assert.equal(`${width}x${height}`, "180x180");
    });
  });
});

Deno.test("the service worker: at the root, versioned by content, under script-src 'self'", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/sw.js");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.equal(res.headers.get("cache-control"), "no-cache");
    // The site's policy: scripts from here, and the one inline script allowed by its hash.
    assert.ok(
      (res.headers.get("content-security-policy") ?? "").includes(
        `script-src 'self' ${EARLY_SOCKET_CSP};`,
      ),
    );
    assert.equal(res.headers.get("service-worker-allowed"), null, "the root needs no widening");
    const text = await res.text();
    const version = /const VERSION = "([0-9a-f]{16})";/.exec(text)?.[1];
    assert.ok(version, "VERSION is the content hash");
    for (const event of ["install", "activate", "fetch", "push", "notificationclick"]) {
      assert.ok(text.includes(`addEventListener("${event}"`), event);
    }
    assert.ok(!/^\s*\/\//m.test(text), "served without its comments");
    // The same bytes twice: the browser sees no new worker until the files change.
    assert.equal(await (await app.fetch("/sw.js")).text(), text);
  });
});

Deno.test("the offline page: no session, one file, its style allowed by hash", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/offline");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /You're offline/);
    const policy = res.headers.get("content-security-policy") ?? "";
    assert.match(policy, /^default-src 'none';/);
    assert.ok(!policy.includes("script-src"), "no script may run");
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    assert.ok(policy.includes(`style-src 'sha256-${await sha256Base64(style)}'`));
    // Nothing else to load: no stylesheet, script or image by address.
    assert.ok(!/<(link|script|img)\b/.test(html));
  });
});

Deno.test("every page links the manifest and the icons and registers the worker", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    for (const [path, init] of [["/login", {}], ["/", withCookie(ann.cookie)]] as const) {
      const html = await (await app.fetch(path, init)).text();
      assert.match(html, /<link rel="manifest" href="\/manifest.webmanifest"\/?>/, path);
      assert.match(html, /<meta name="theme-color" content="#[0-9a-f]{6}"\/?>/, path);
      assert.match(
        html,
        /<link rel="apple-touch-icon" href="\/static\/icons\/apple-touch-icon.png"/,
      );
      assert.match(html, /<script type="module" src="\/static\/sw_register.js">/, path);
    }
    const script = await app.fetch("/static/sw_register.js");
    assert.equal(script.status, 200);
    assert.match(await script.text(), /serviceWorker\.register\("\/sw\.js"/);
  });
});
