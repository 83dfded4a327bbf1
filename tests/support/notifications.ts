/**
 * In-tab notifications in Chromium, recorded instead of shown: the page's `Notification` is
 * replaced (permission granted) by one that keeps `{title, body}` in `globalThis.shown`, and
 * with `hidden` the tab reports itself hidden (mentions notify only then).
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { signedInContext } from "./browser.ts";

export type Shown = { title: string; body: string };

/** Every page of `context` records its notifications (call before opening a page). */
export async function recordNotifications(
  context: BrowserContext,
  base: string,
  options: { hidden?: boolean } = {},
): Promise<void> {
  await context.grantPermissions(["notifications"], { origin: base });
  await context.addInitScript((hide: boolean) => {
    const shown: { title: string; body: string }[] = [];
    (globalThis as unknown as { shown: typeof shown }).shown = shown;
    class Recorded {
      static permission = "granted";
      static requestPermission() {
        return Promise.resolve("granted");
      }
      onclick: (() => void) | null = null;
      constructor(title: string, options: { body: string }) {
        shown.push({ title, body: options.body });
      }
    }
    Object.defineProperty(globalThis, "Notification", { value: Recorded });
    if (hide) Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
  }, options.hidden === true);
}

/** The notification number `index` the page showed, once it has (waits for it). */
export async function nthShown(page: Page, index = 0): Promise<Shown> {
  const handle = await page.waitForFunction(
    (i: number) => (globalThis as unknown as { shown: Shown[] }).shown[i],
    index,
  );
  return await handle.jsonValue() as Shown;
}

/** How many notifications the page showed so far. */
export async function shownCount(page: Page): Promise<number> {
  return await page.evaluate(() => (globalThis as unknown as { shown: unknown[] }).shown.length);
}

/**
 * A signed-in page at `path` that records its notifications, once the sidebar's list is
 * hydrated (`live`: and the page's socket is open, "Live").
 */
export async function openRecording(
  browser: Browser,
  base: string,
  cookie: string,
  path: string,
  options: { hidden?: boolean; live?: boolean; width?: number } = {},
): Promise<Page> {
  const context = await signedInContext(browser, base, cookie, {
    viewport: { width: options.width ?? 1280, height: 800 },
  });
  await recordNotifications(context, base, { hidden: options.hidden });
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  await page.locator("[data-island=ConversationList][data-hydrated]").waitFor();
  if (options.live) await page.getByText("Live", { exact: true }).waitFor();
  return page;
}
