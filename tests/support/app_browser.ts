/**
 * Chromium as an installed app sees it (issue 18's tests): a profile on disk (Chromium
 * installs nothing and subscribes nothing in incognito, which a plain new context is), the
 * site's service worker as DevTools knows it, pushes delivered to it, and a stand-in for the
 * browser's push service (headless Chromium cannot reach one): `pushManager.subscribe`
 * answers with a subscription of the tests' own push receiver (push_receiver.ts), kept in
 * localStorage so `getSubscription` finds it after a reload.
 */
import { type BrowserContext, type CDPSession, chromium, type Page } from "playwright-core";
import { CHROMIUM_PATH } from "./browser.ts";

/** A browser with its own profile on disk, signed in with `cookie` ("name=value"). */
export async function personalBrowser(
  base: string,
  cookie: string,
  viewport = { width: 1280, height: 800 },
): Promise<BrowserContext> {
  const profile = await Deno.makeTempDir({ prefix: "hearth-app-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
    viewport,
  });
  const [name, value] = cookie.split("=");
  await context.addCookies([{ name, value, url: base }]);
  context.on("close", () => Deno.remove(profile, { recursive: true }).catch(() => {}));
  return context;
}

/** The id DevTools knows the worker registered at `scope` by (ServiceWorker domain). */
export async function registrationId(cdp: CDPSession, scope: string): Promise<string> {
  const found = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const reg = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
      if (reg) resolve(reg.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  return await found;
}

/**
 * The page's service worker registration once its worker has activated (its scope and
 * script): `ready` already answers while it is still activating, and a push delivered then
 * may be dropped.
 */
export async function activeWorker(page: Page) {
  return await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const worker = reg.active!;
    if (worker.state !== "activated") {
      await new Promise<void>((resolve) =>
        worker.addEventListener("statechange", () => {
          if (worker.state === "activated") resolve();
        })
      );
    }
    return { scope: reg.scope, script: worker.scriptURL };
  });
}

/** The notifications the site's worker shows now (with `tag`, when given). */
export async function shownNotifications(page: Page, tag?: string) {
  return await page.evaluate(async (tag) => {
    const reg = await navigator.serviceWorker.ready;
    const list = await reg.getNotifications(tag ? { tag } : undefined);
    return list.map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data,
      icon: n.icon,
    }));
  }, tag);
}

/**
 * Makes `pushManager.subscribe` in every page of `context` answer with `sub` (a subscription
 * of the test push receiver) instead of asking the browser's push service. The key it was
 * asked to subscribe with is kept in `globalThis.subscribedWith` (base64url).
 */
export async function fakePushService(
  context: BrowserContext,
  sub: { endpoint: string; keys: { p256dh: string; auth: string } },
): Promise<void> {
  await context.addInitScript((sub) => {
    const STORE = "test.push-subscription";
    const b64u = (bytes: Uint8Array) =>
      btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
        .replace(/=+$/, "");
    const unb64u = (text: string) =>
      Uint8Array.from(
        atob(
          text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "="),
        ),
        (c) => c.charCodeAt(0),
      );
    type Stored = typeof sub & { serverKey: string };
    const make = (stored: Stored) => ({
      endpoint: stored.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: unb64u(stored.serverKey).buffer },
      getKey: (name: "p256dh" | "auth") => unb64u(stored.keys[name]).buffer,
      toJSON: () => ({ endpoint: stored.endpoint, expirationTime: null, keys: stored.keys }),
      unsubscribe: () => {
        localStorage.removeItem(STORE);
        return Promise.resolve(true);
      },
    });
    const proto = PushManager.prototype as unknown as Record<string, unknown>;
    proto.subscribe = (options: { applicationServerKey: BufferSource }) => {
      const key = options.applicationServerKey;
      const bytes = key instanceof ArrayBuffer
        ? new Uint8Array(key)
        : new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
      const stored = { ...sub, serverKey: b64u(bytes) };
      localStorage.setItem(STORE, JSON.stringify(stored));
      (globalThis as unknown as { subscribedWith: string }).subscribedWith = stored.serverKey;
      return Promise.resolve(make(stored));
    };
    proto.getSubscription = () => {
      const stored = localStorage.getItem(STORE);
      return Promise.resolve(stored ? make(JSON.parse(stored)) : null);
    };
  }, sub);
}

/**
 * Calls `read` until it gives something (not null/undefined/false/empty list), then returns
 * it. (Playwright's waitForFunction does not wait for an async predicate: its promise is
 * truthy at once.) Gives up after 15 s with what it last saw.
 */
export async function eventually<T>(read: () => Promise<T>, what: string): Promise<T> {
  const until = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (value && !(Array.isArray(value) && value.length === 0)) return value;
    if (Date.now() > until) {
      throw new Error(`waited 15 s for ${what}; last: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Delivers `data` to the site's worker as a push (DevTools ServiceWorker.deliverPushMessage)
 * and returns the notifications with `tag` once shown. Headless Chromium now and then drops
 * a delivery (seen about 1 in 15 here, the worker running, no error reported), so one not
 * shown within 3 s is delivered again (at most 4 times); what the worker does with a push
 * it got is what is checked.
 */
export async function pushUntilShown(
  cdp: CDPSession,
  page: Page,
  push: { origin: string; registrationId: string; data: string },
  tag: string,
) {
  for (let attempt = 1;; attempt++) {
    await cdp.send("ServiceWorker.deliverPushMessage", push);
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const shown = await shownNotifications(page, tag);
      if (shown.length > 0) return shown;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (attempt === 4) throw new Error(`a push tagged ${tag} was delivered 4 times, never shown`);
  }
}
