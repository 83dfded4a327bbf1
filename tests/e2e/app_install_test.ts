/**
 * The installable app in Chromium (issue 18): a page registers the service worker; a push
 * delivered through the DevTools protocol (ServiceWorker.deliverPushMessage) is shown as a
 * notification with the pushed title, body, tag and address; the manifest and its icons
 * load and Chromium finds the app installable (Page.getInstallabilityErrors: none); with the
 * server stopped, a page of the site opens as the offline page the worker cached.
 * Screenshots of the offline page in test-output/app_install/.
 */
import assert from "node:assert/strict";
import { forEachScreen, screenshotsIn } from "../support/browser.ts";
import {
  activeWorker,
  personalBrowser,
  pushUntilShown,
  registrationId,
} from "../support/app_browser.ts";
import { registerUser, startTestServer } from "../support/helpers.ts";

Deno.test({
  name: "the app installs, shows a pushed message and opens offline",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const server = await startTestServer();
    let serverUp = true;
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const context = await personalBrowser(server.base, ann.cookie);
    try {
      // Browser.grantPermissions, through Playwright (a page's session may not send it),
      // before the worker starts: it reads the permission as it wakes.
      await context.grantPermissions(["notifications"], { origin: server.base });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${server.base}/`);
      const cdp = await context.newCDPSession(page);
      const worker = registrationId(cdp, `${server.base}/`);

      await t.step("the page registers the worker at the root", async () => {
        const active = await activeWorker(page);
        assert.equal(active.scope, `${server.base}/`);
        assert.equal(active.script, `${server.base}/sw.js`);
      });

      await t.step("the manifest and its icons load; Chromium finds it installable", async () => {
        const manifest = await cdp.send("Page.getAppManifest");
        assert.equal(manifest.url, `${server.base}/manifest.webmanifest`);
        assert.deepEqual(manifest.errors, [], JSON.stringify(manifest.errors));
        const parsed = JSON.parse(manifest.data ?? "{}");
        assert.equal(parsed.name, "Hearth");
        const sizes = await page.evaluate(async (icons: { src: string }[]) => {
          const load = (src: string) =>
            new Promise<string>((resolve, reject) => {
              const img = new Image();
              img.onload = () => resolve(`${img.naturalWidth}x${img.naturalHeight}`);
              img.onerror = () => reject(new Error(`${src} did not load`));
              img.src = src;
            });
          return await Promise.all(icons.map((i) => load(i.src)));
        }, parsed.icons);
        assert.deepEqual(sizes, parsed.icons.map((i: { sizes: string }) => i.sizes));
        const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
        assert.deepEqual(installabilityErrors, [], JSON.stringify(installabilityErrors));
      });

      await t.step("a pushed message is shown as a notification", async () => {
        const id = await worker;
        const pushed = {
          title: "Ben Ode in Plans",
          body: "@ann the plan is ready",
          url: "/conversations/c1?thread=7",
          tag: "conv-c1",
        };
        const [shown] = await pushUntilShown(cdp, page, {
          origin: server.base,
          registrationId: id,
          data: JSON.stringify(pushed),
        }, pushed.tag);
        assert.deepEqual(shown, {
          title: pushed.title,
          body: pushed.body,
          tag: pushed.tag,
          data: { url: `${server.base}/conversations/c1?thread=7` },
          icon: `${server.base}/static/icons/icon-192.png`,
        });

        // Another site's address in a push opens the site's root, never elsewhere.
        const [other] = await pushUntilShown(cdp, page, {
          origin: server.base,
          registrationId: id,
          data: JSON.stringify({ ...pushed, tag: "conv-c2", url: "https://evil.example/x" }),
        }, "conv-c2");
        assert.deepEqual(other.data, { url: `${server.base}/` });
      });

      await t.step("a push that is not JSON still shows a notice", async () => {
        const [plain] = await pushUntilShown(cdp, page, {
          origin: server.base,
          registrationId: await worker,
          data: "not json",
        }, "hearth");
        assert.equal(plain.title, "New message");
      });

      await t.step(
        "a tab from before the worker goes where a clicked notification says",
        async () => {
          // The worker cannot navigate a tab it does not control (this one loaded before it
          // came): on a click it asks the tab, which goes only to a page of this site.
          const [sw] = context.serviceWorkers();
          const ask = (url: string) =>
            sw.evaluate(async (url) => {
              const self = globalThis as unknown as {
                clients: { matchAll(o: object): Promise<{ postMessage(m: unknown): void }[]> };
              };
              const tabs = await self.clients.matchAll({
                type: "window",
                includeUncontrolled: true,
              });
              for (const tab of tabs) tab.postMessage({ type: "open", url });
            }, url);
          await ask("https://evil.example/account");
          await ask(`${server.base}/account`);
          await page.waitForURL(`${server.base}/account`);
          assert.equal(new URL(page.url()).origin, server.base);
        },
      );

      await t.step("online, navigations through the worker get the real pages", async () => {
        await page.goto(`${server.base}/`);
        await page.goto(`${server.base}/account`);
        await page.getByRole("heading", { name: "Your account" }).waitFor();
        assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));
      });

      await t.step("with the server stopped, a page opens as the offline page", async () => {
        serverUp = false;
        await server.close();
        const offline = await context.newPage();
        await offline.goto(`${server.base}/conversations/anything`);
        await offline.getByRole("heading", { name: "You're offline" }).waitFor();
        assert.equal(offline.url(), `${server.base}/conversations/anything`);
        const link = offline.getByRole("link", { name: "Try again" });
        assert.equal(
          await link.evaluate((a) => (a as HTMLAnchorElement).href),
          `${server.base}/conversations/anything`,
          "Try again reloads the address asked for",
        );
        const dir = screenshotsIn("app_install");
        await forEachScreen(
          offline,
          (s) => offline.screenshot({ path: `${dir}offline-${s.width}-${s.colorScheme}.png` }),
        );
      });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      if (serverUp) await server.close();
    }
  },
});
