/** Starts Debian's Chromium headless through playwright-core (no browser download). */
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import { createConversationVia, registerUser, startTestServer } from "./helpers.ts";

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A new browser context signed in with `cookie` ("name=value", as registerUser returns it). */
export async function signedInContext(
  browser: Browser,
  base: string,
  cookie: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const [name, value] = cookie.split("=");
  await context.addCookies([{ name, value, url: base }]);
  return context;
}

/**
 * Declares a Chromium test around a fresh server and one browser, both closed however it
 * ends. (Playwright keeps timers and pipes of its own: the sanitizers are off.)
 */
export function browserTest(
  name: string,
  fn: (ctx: { server: TestServer; browser: Browser }, t: Deno.TestContext) => Promise<void>,
  env: Record<string, string> = {},
): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      const server = await startTestServer(env);
      const browser = await launchChromium();
      try {
        await fn({ server, browser }, t);
      } finally {
        await browser.close();
        await server.close();
      }
    },
  });
}

/**
 * A page at `path` for `cookie`'s person in a new context (1100×760 unless given): with
 * JavaScript, once the chat room is hydrated and live. Page errors are collected in `errors`.
 */
export async function openChatPage(
  browser: Browser,
  base: string,
  cookie: string,
  options: { path: string; errors?: string[]; context?: BrowserContextOptions },
): Promise<Page> {
  const context = await signedInContext(browser, base, cookie, {
    viewport: { width: 1100, height: 760 },
    ...options.context,
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => options.errors?.push(e.message));
  await page.goto(`${base}${options.path}`);
  if (options.context?.javaScriptEnabled !== false) {
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
  }
  return page;
}

/** Ann Lee and Ben Ode, registered, in a conversation Ann started (titled when given). */
export async function annAndBen(
  server: Pick<TestServer, "fetch">,
  title?: string,
) {
  const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
  const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
  const id = await createConversationVia(server, ann.cookie, [ben.user], title);
  return { ann, ben, id };
}

/** The four looks a page's screenshots are taken in: phone and desktop, light and dark. */
export const SCREENS = [
  { width: 375, height: 812, colorScheme: "light" },
  { width: 375, height: 812, colorScheme: "dark" },
  { width: 1280, height: 800, colorScheme: "light" },
  { width: 1280, height: 800, colorScheme: "dark" },
] as const;

export type Screen = (typeof SCREENS)[number];

/** `test-output/<name>/` (created), where a test's screenshots go; ends with a slash. */
export function screenshotsIn(name: string): string {
  const dir = new URL(`../../test-output/${name}/`, import.meta.url).pathname;
  Deno.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Shows the page in each of `screens` (size and colour scheme) in turn and runs `shoot`. */
export async function forEachScreen(
  page: Page,
  shoot: (s: Screen) => Promise<unknown>,
  screens: readonly Screen[] = SCREENS,
): Promise<void> {
  for (const s of screens) {
    await page.setViewportSize({ width: s.width, height: s.height });
    await page.emulateMedia({ colorScheme: s.colorScheme });
    await shoot(s);
  }
}
