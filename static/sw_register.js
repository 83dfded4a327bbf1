// Registers the service worker (/sw.js: pushed notifications, the offline page) once the
// page has loaded, so it never competes with the page itself. Every page loads this file
// (components/Layout.tsx); a browser without service workers skips it.
if ("serviceWorker" in navigator) {
  // A notification clicked while this tab was open from before the worker came: the worker
  // cannot navigate such a tab, so it asks (only to a page of this site).
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data;
    if (data?.type !== "open" || typeof data.url !== "string") return;
    const target = new URL(data.url, location.href);
    if (target.origin === location.origin) location.assign(target.href);
  });
  const register = () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => {
      console.warn("service worker not registered", err);
    });
  };
  if (document.readyState === "complete") register();
  else addEventListener("load", register, { once: true });
}
