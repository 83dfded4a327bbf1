/**
 * "Notifications on this device" on the account page, end to end (issue 18): Ben turns push
 * on (permission, the worker, a subscription made with the site's VAPID key, given to the
 * server); Ann mentions him; the server's notifier pushes it to the test push service
 * (push_receiver.ts, which checks the VAPID JWT and decrypts it, RFC 8291/8292); what it
 * decrypted, delivered to Ben's worker (DevTools ServiceWorker.deliverPushMessage, standing
 * in for the push service's connection to the browser), is shown as a notification that opens
 * the conversation. Turning it off removes the subscription. The sidebar's offer subscribes
 * the same way. Headless Chromium reaches no real push service: pushManager.subscribe answers
 * with the receiver's subscription (tests/support/app_browser.ts). Screenshots of the section
 * at 375 and 1280 px, light and dark, in test-output/push_device/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  forEachScreen,
  launchChromium,
  screenshotsIn,
  signedInContext,
} from "../support/browser.ts";
import {
  eventually,
  fakePushService,
  personalBrowser,
  pushUntilShown,
  registrationId,
} from "../support/app_browser.ts";
import {
  createConversationVia,
  json,
  okJson,
  registerUser,
  startTestServer,
  withCookie,
} from "../support/helpers.ts";
import { startPushReceiver } from "../support/push_receiver_client.ts";

const SECTION = "Notifications on this device";

async function pushState(page: Page): Promise<string | null> {
  const island = page.locator("[data-island=PushToggle][data-hydrated]");
  await island.waitFor();
  const el = page.locator("[data-push-state]");
  await page.waitForFunction(() =>
    document.querySelector("[data-push-state]")?.getAttribute("data-push-state") !== "checking"
  );
  return await el.getAttribute("data-push-state");
}

Deno.test({
  name: "push on this device: turned on, a mention arrives as a notification, turned off",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const receiver = await startPushReceiver();
    const server = await startTestServer({ PUSH_ALLOW_PRIVATE: "1", NOTIFIER: "1" });
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const id = await createConversationVia(server, ann.cookie, [ben.user], "Plans");
    const context = await personalBrowser(server.base, ben.cookie);
    try {
      const { publicKey } = await okJson(
        await server.fetch("/api/push/key", withCookie(ben.cookie)),
      );
      await receiver.expectKey(publicKey);
      const sub = await receiver.subscribe();
      await fakePushService(context, sub);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${server.base}/account`);
      const section = page.getByRole("region", { name: SECTION });
      const dir = screenshotsIn("push_device");

      await t.step("off at first: the browser never asked", async () => {
        assert.equal(await pushState(page), "off");
        await section.getByRole("button", { name: "Turn on" }).waitFor();
        await forEachScreen(
          page,
          (s) => section.screenshot({ path: `${dir}off-${s.width}-${s.colorScheme}.png` }),
        );
      });

      await t.step("Turn on: subscribed with the site's key, and the server has it", async () => {
        await context.grantPermissions(["notifications"], { origin: server.base });
        await section.getByRole("button", { name: "Turn on" }).click();
        await page.locator("[data-push-state=on]").waitFor();
        assert.equal(
          await page.evaluate(() =>
            (globalThis as unknown as { subscribedWith: string }).subscribedWith
          ),
          publicKey,
        );
        const { subscriptions } = await okJson(
          await server.fetch("/api/push/subscriptions", withCookie(ben.cookie)),
        );
        assert.deepEqual(subscriptions.map((s: { endpoint: string }) => s.endpoint), [
          sub.endpoint,
        ]);
        await section.getByRole("button", { name: "Turn off" }).waitFor();
        await forEachScreen(
          page,
          (s) => section.screenshot({ path: `${dir}on-${s.width}-${s.colorScheme}.png` }),
        );
      });

      await t.step(
        "a mention is pushed, decrypted and shown; it opens the conversation",
        async () => {
          const cdp = await context.newCDPSession(page);
          const worker = await registrationId(cdp, `${server.base}/`);
          const sent = await server.fetch(
            `/api/conversations/${id}/messages`,
            json("POST", { content: "@ben the **plan** is ready" }, ann.cookie),
          );
          assert.equal(sent.status, 201);
          const [push] = await receiver.waitFor(1);
          assert.equal(push.payload.url, `/conversations/${id}`);
          assert.equal(push.payload.tag, `conv-${id}`);
          assert.equal(push.payload.body, "@ben the plan is ready");
          const [shown] = await pushUntilShown(cdp, page, {
            origin: server.base,
            registrationId: worker,
            data: JSON.stringify(push.payload),
          }, push.payload.tag);
          assert.deepEqual(shown, {
            title: push.payload.title,
            body: "@ben the plan is ready",
            tag: `conv-${id}`,
            data: { url: `${server.base}/conversations/${id}` },
            icon: `${server.base}/static/icons/icon-192.png`,
          });
          assert.match(shown.title, /Ann Lee/);
        },
      );

      await t.step("a reload still says on (the server lists this browser)", async () => {
        await page.reload();
        assert.equal(await pushState(page), "on");
      });

      await t.step("Turn off: the server forgets it, the browser drops it", async () => {
        await section.getByRole("button", { name: "Turn off" }).click();
        await page.locator("[data-push-state=off]").waitFor();
        const { subscriptions } = await okJson(
          await server.fetch("/api/push/subscriptions", withCookie(ben.cookie)),
        );
        assert.deepEqual(subscriptions, []);
        assert.equal(
          await page.evaluate(async () =>
            (await (await navigator.serviceWorker.ready).pushManager.getSubscription()) === null
          ),
          true,
        );
      });

      await t.step("someone else's subscription in this browser shows as off", async () => {
        // Ann turned it on in this browser earlier; Ben signed in since: not his.
        await okJson(
          await server.fetch("/api/push/subscriptions", json("POST", sub, ann.cookie)),
          201,
        );
        await page.evaluate(async () => {
          const reg = await navigator.serviceWorker.ready;
          await reg.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: new Uint8Array(65),
          });
        });
        await page.reload();
        assert.equal(await pushState(page), "off");
      });
      assert.deepEqual(errors, []);

      await t.step("without JavaScript the section says it needs it", async () => {
        const browser = await launchChromium();
        const plain = await signedInContext(browser, server.base, ben.cookie, {
          javaScriptEnabled: false,
        });
        const nojs = await plain.newPage();
        await nojs.goto(`${server.base}/account`);
        const region = nojs.getByRole("region", { name: SECTION });
        // (Playwright's text locators skip <noscript>: its rendered text is read instead.)
        assert.match(await region.innerText(), /Turning this on needs JavaScript\./);
        assert.equal(await region.getByRole("button").count(), 0);
        await browser.close();
      });
    } finally {
      await context.close();
      await server.close();
      await receiver.stop();
    }
  },
});

Deno.test({
  name: "the sidebar's notification offer also turns on push for this device",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const receiver = await startPushReceiver();
    const server = await startTestServer({ PUSH_ALLOW_PRIVATE: "1" });
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const context = await personalBrowser(server.base, ben.cookie);
    try {
      const sub = await receiver.subscribe();
      await fakePushService(context, sub);
      // The browser has not been asked yet (the offer shows), and will say yes.
      await context.addInitScript(() => {
        let answered: NotificationPermission = "default";
        Object.defineProperty(Notification, "permission", { get: () => answered });
        Notification.requestPermission = () => {
          answered = "granted";
          return Promise.resolve(answered);
        };
      });
      await context.grantPermissions(["notifications"], { origin: server.base });
      const page = await context.newPage();
      await page.goto(`${server.base}/`);
      await page.locator("[data-island=ConversationList][data-hydrated]").waitFor();
      await page.getByRole("button", { name: /Notify me/ }).click();
      await page.getByRole("button", { name: /Notify me/ }).waitFor({ state: "detached" });
      const subscriptions = await eventually(async () => {
        const res = await server.fetch("/api/push/subscriptions", withCookie(ben.cookie));
        return (await okJson(res)).subscriptions as { endpoint: string }[];
      }, "the subscription");
      assert.deepEqual(subscriptions.map((s) => s.endpoint), [sub.endpoint]);
    } finally {
      await context.close();
      await server.close();
      await receiver.stop();
    }
  },
});
