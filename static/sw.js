// The service worker, served at /sw.js (scope "/") by routes/app.ts, which puts the hash of
// this file and of the offline page in VERSION: a change to either is a new worker, and the
// new worker's cache replaces the old one. It does three things:
// - push: shows the pushed message ({title, body, url, tag}) as a notification;
// - notificationclick: focuses a tab of the site on the message (or opens one);
// - offline: a page navigation that cannot reach the server gets the cached /offline page.
// Everything else goes to the network without waking this worker (static routing), so the
// app's requests cost nothing more than before.
/// <reference lib="webworker" />

const VERSION = "dev";
const CACHE = `hearth-${VERSION}`;
const OFFLINE = "/offline";
const ICON = "/static/icons/icon-192.png";
const BADGE = "/static/icons/badge-96.png";

self.addEventListener("install", (event) => {
  // Only navigations reach the fetch handler; where the browser cannot route, it still
  // returns at once for anything else (see "fetch").
  if (event.addRoutes) {
    event.addRoutes({
      condition: { not: { requestMode: "navigate" } },
      source: "network",
    }).catch(() => {});
  }
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.add(OFFLINE)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("hearth-") && name !== CACHE) await caches.delete(name);
    }
    // The page's own request starts while this worker wakes, instead of after it.
    await self.registration.navigationPreload?.enable();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode !== "navigate" || request.method !== "GET") return;
  event.respondWith((async () => {
    try {
      const preloaded = await event.preloadResponse;
      if (preloaded) return preloaded;
      return await fetch(request);
    } catch {
      const offline = await caches.match(OFFLINE);
      return offline ?? Response.error();
    }
  })());
});

/** The pushed JSON, or a plain notice when it cannot be read (a push must show something). */
function readPush(data) {
  try {
    const value = data?.json();
    if (value && typeof value.title === "string") return value;
  } catch { /* not JSON */ }
  return { title: "New message", body: "", url: "/", tag: "hearth" };
}

/** `url` when it is a path of this site, else the site's root: a push opens nothing else. */
function ownUrl(url) {
  try {
    const target = new URL(url, self.location.origin);
    if (target.origin === self.location.origin) return target.href;
  } catch { /* not a URL */ }
  return new URL("/", self.location.origin).href;
}

self.addEventListener("push", (event) => {
  const message = readPush(event.data);
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: typeof message.body === "string" ? message.body : "",
      tag: typeof message.tag === "string" ? message.tag : undefined,
      data: { url: ownUrl(message.url) },
      icon: ICON,
      badge: BADGE,
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = ownUrl(event.notification.data?.url);
  event.waitUntil((async () => {
    const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    // The tab already showing it, else the one used last (matchAll lists it first).
    const tab = tabs.find((t) => t.url === url) ?? tabs[0];
    if (tab) {
      try {
        const focused = await tab.focus();
        if (focused.url === url) return;
        // A tab this worker controls is navigated; one it does not (loaded before the
        // worker came) is asked to go there itself (static/sw_register.js listens).
        const moved = await focused.navigate(url).catch(() => null);
        if (!moved) focused.postMessage({ type: "open", url });
        return;
      } catch { /* the tab went away or may not take focus: open a window */ }
    }
    await self.clients.openWindow(url);
  })());
});

// The browser renewed the subscription (its push service rotated it): tell the server.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil((async () => {
    const old = event.oldSubscription;
    const fresh = event.newSubscription ??
      (old ? await self.registration.pushManager.subscribe(old.options) : null);
    if (!fresh) return;
    const send = (method, body) =>
      fetch("/api/push/subscriptions", {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    await send("POST", fresh.toJSON());
    if (old) await send("DELETE", { endpoint: old.endpoint });
  })());
});
