/**
 * Issue 16's story in Chromium, through the real pages only (REGISTRATION=invite): Ada
 * registers on the empty site and is its admin; she makes an invite on /admin and Bea
 * registers through its link; Bea creates a public channel on /channels; Ada makes a
 * second invite, Cal registers through it, finds the channel by searching the directory and
 * joins; Bea and Cal chat live; Bea removes Cal from the members panel and Cal's open page
 * stops receiving at once (read-only, out of his sidebar, a later message never shows, while
 * a message elsewhere still reaches the same page); a system message is posted for each step.
 * The refusals once: /register without a code, and a used-up link. Two screenshots in
 * test-output/team_story/ (Cal's page once removed, Bea's channel at the end).
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { browserTest, screenshotsIn } from "../support/browser.ts";
import { json } from "../support/helpers.ts";

const PASSWORD = "correct horse battery";

/** A fresh browser context (nobody signed in) and a page in it; page errors into `errors`. */
async function freshPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`${e.message}`));
  return page;
}

/** Fills the register form (at /register or a /join link) and waits for the start page. */
async function register(page: Page, base: string, username: string, displayName: string) {
  await page.locator("[data-island=AuthForm][data-hydrated]").waitFor();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${base}/`);
}

/** Who the page's session is, as the API says. */
async function me(page: Page) {
  return (await page.evaluate(() => fetch("/api/auth/check").then((r) => r.json()))).user;
}

/** The links the invite panel lists. */
async function inviteLinks(page: Page): Promise<string[]> {
  const fields = page.getByTestId("invite-panel").getByLabel("Invite link", { exact: true });
  return await fields.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
}

/** Ada makes a one-person invite on /admin; the link the page then shows that was not there. */
async function newInvite(page: Page, base: string): Promise<string> {
  await page.goto(`${base}/admin`);
  const panel = page.getByTestId("invite-panel");
  const before = await inviteLinks(page);
  await panel.getByLabel("People").fill("1");
  await panel.getByRole("button", { name: "Create invite link" }).click();
  await page.getByText("Invite link created").waitFor();
  assert.equal(new URL(page.url()).pathname, "/admin");
  const added = (await inviteLinks(page)).filter((l) => !before.includes(l));
  assert.equal(added.length, 1, `one new link: ${added}`);
  assert.match(added[0], new RegExp(`^${base}/join/[A-Za-z0-9_-]{22}$`));
  return added[0];
}

/** The chat room on this page is hydrated and its socket live. */
async function live(page: Page) {
  await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
  await page.getByText("Live", { exact: true }).waitFor();
}

/** Writes `text` in the page's composer and sends it. */
async function say(page: Page, text: string) {
  await page.locator("#composer").fill(text);
  await page.locator("#composer").press("Enter");
}

/** A message row (not pending) with this text. */
const row = (page: Page, text: string) =>
  page.locator("li[data-seq]:not([data-system])", { hasText: text });

/** The system rows' sentences, without the time after " · ". */
async function systemLines(page: Page): Promise<string[]> {
  return (await page.locator("li[data-system]").allInnerTexts()).map((t) =>
    t.replace(/\s+/g, " ").split(" · ")[0].trim()
  );
}

/** The session cookie of a context, as "name=value" (for the positive control's set-up). */
async function cookieOf(context: BrowserContext): Promise<string> {
  const sid = (await context.cookies()).find((c) => c.name.endsWith("sid"));
  assert.ok(sid, "signed in");
  return `${sid.name}=${sid.value}`;
}

browserTest(
  "a team's story: first admin, invites, a channel found and joined, live chat, removal",
  async ({ server, browser }, t) => {
    const base = server.base;
    const errors: string[] = [];
    const ada = await freshPage(browser, errors);
    const bea = await freshPage(browser, errors);
    const cal = await freshPage(browser, errors);
    let firstLink = "";
    let channelPath = "";
    // A story: once a step fails, the ones after it are not run (they would only time out).
    let broken = false;
    const step = (name: string, fn: () => Promise<void>) =>
      t.step({
        name,
        ignore: broken,
        fn: async () => {
          try {
            await fn();
          } catch (err) {
            broken = true;
            throw err;
          }
        },
      });

    await step("the first person to register is the site admin", async () => {
      await ada.goto(`${base}/register`);
      await register(ada, base, "ada", "Ada Admin");
      const user = await me(ada);
      assert.equal(user.username, "ada");
      assert.equal(user.isAdmin, true);
      await ada.getByRole("link", { name: "Admin" }).first().waitFor();
    });

    await step("now /register without a code says an invite is needed", async () => {
      const page = await freshPage(browser, errors);
      await page.goto(`${base}/register`);
      await page.locator("[data-island=AuthForm][data-hydrated]").waitFor();
      await page.getByLabel("Username").fill("eve");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("alert").getByText("You need an invite to join this site.").waitFor();
      assert.equal(new URL(page.url()).pathname, "/register");
      await page.context().close();
    });

    await step("Ada makes an invite on /admin; Bea registers through its link", async () => {
      firstLink = await newInvite(ada, base);
      await bea.goto(firstLink);
      await bea.getByText("Ada Admin invited you to").waitFor();
      await register(bea, base, "bea", "Bea Brook");
      const user = await me(bea);
      assert.equal(user.username, "bea");
      assert.equal(user.isAdmin, false);
    });

    await step("the used-up link says so", async () => {
      const page = await freshPage(browser, errors);
      const res = await page.goto(firstLink);
      assert.equal(res?.status(), 403);
      await page.getByText("This invite link has been used up or has expired.").waitFor();
      assert.equal(await page.getByLabel("Username").count(), 0, "no form to fill");
      await page.context().close();
    });

    await step("Bea creates a public channel on /channels", async () => {
      await bea.goto(`${base}/channels`);
      await bea.locator("#channel-name").fill("launch");
      await bea.locator("#channel-topic").fill("Shipping v2");
      await bea.getByRole("radio", { name: /public/i }).check();
      await bea.getByRole("button", { name: "Create channel" }).click();
      await bea.waitForURL(/\/conversations\/[^/]+$/);
      channelPath = new URL(bea.url()).pathname;
      await live(bea);
      await bea.getByRole("heading", { level: 1, name: /launch/ }).waitFor();
      await bea.locator("li[data-system=created]").waitFor();
      assert.deepEqual(await systemLines(bea), ["Bea Brook created \u201claunch\u201d"]);
    });

    await step("Cal registers through a second invite and finds the channel", async () => {
      const link = await newInvite(ada, base);
      assert.notEqual(link, firstLink);
      await cal.goto(link);
      await register(cal, base, "cal", "Cal Park");
      await cal.goto(`${base}/channels`);
      await cal.getByLabel("Search channels").fill("LAUN");
      await cal.getByLabel("Search channels").press("Enter");
      await cal.waitForURL(/\/channels\?search=LAUN/);
      const card = cal.locator("main [data-channel]");
      assert.equal(await card.count(), 1);
      assert.match(await card.innerText(), /launch[\s\S]*1 member[\s\S]*Shipping v2/);
      await cal.getByRole("button", { name: "Join launch" }).click();
      await cal.waitForURL(`${base}${channelPath}`);
      await live(cal);
      await cal.getByRole("list", { name: "Members" }).getByText("Cal Park").waitFor();
      // Bea's open page heard it live.
      await bea.locator("li[data-system=joined]").waitFor({ timeout: 5_000 });
      assert.deepEqual(await systemLines(bea), [
        "Bea Brook created \u201claunch\u201d",
        "Cal Park joined",
      ]);
      assert.deepEqual(await systemLines(cal), await systemLines(bea));
    });

    await step("Bea and Cal chat live", async () => {
      await say(cal, "Hi Bea, glad to be here");
      await row(bea, "Hi Bea, glad to be here").waitFor({ timeout: 5_000 });
      await say(bea, "Welcome Cal! Release is Friday.");
      await row(cal, "Welcome Cal! Release is Friday.").waitFor({ timeout: 5_000 });
    });

    await step("Bea removes Cal: his open page stops receiving at once", async () => {
      // The positive control: a conversation Cal stays in, whose news his page shows.
      const made = await server.fetch(
        "/api/conversations",
        json("POST", { participantIds: [(await me(cal)).id] }, await cookieOf(ada.context())),
      );
      assert.ok(made.status === 201 || made.status === 200, `${made.status}`);
      const dm = (await made.json()).conversation.id as string;
      const adaSays = async (content: string) => {
        const sent = await server.fetch(
          `/api/conversations/${dm}/messages`,
          json("POST", { content }, await cookieOf(ada.context())),
        );
        assert.equal(sent.status, 201);
      };
      await adaSays("Hi Cal, welcome aboard");
      const sidebar = cal.locator("nav[aria-label=Conversations]");
      const inSidebar = (path: string) => sidebar.locator(`a[href="${path}"]`);
      await inSidebar(`/conversations/${dm}`).getByText("Hi Cal, welcome aboard").waitFor({
        timeout: 5_000,
      });
      await inSidebar(channelPath).waitFor();

      await bea.reload();
      await bea.getByRole("button", { name: "Remove Cal Park" }).click();
      await bea.waitForURL(`${base}${channelPath}`);
      await live(bea);
      await bea.getByRole("list", { name: "Members" }).getByText("Bea Brook").waitFor();
      assert.equal(
        await bea.getByRole("list", { name: "Members" }).getByText("Cal Park").count(),
        0,
      );

      // Cal's page: read-only, and the channel leaves his sidebar, without a reload.
      await cal.getByTestId("read-only").getByText("You are no longer a participant").waitFor({
        timeout: 5_000,
      });
      assert.equal(await cal.locator("#composer").count(), 0, "no composer");
      await inSidebar(channelPath).waitFor({ state: "detached", timeout: 5_000 });

      // Bea writes again; then Ada writes to Cal elsewhere. In the same window Cal's page
      // shows Ada's (it is still live) and never Bea's; Bea's page shows hers.
      await say(bea, "Cal is off this one now");
      await row(bea, "Cal is off this one now").waitFor({ timeout: 5_000 });
      await adaSays("control: still hear me?");
      await inSidebar(`/conversations/${dm}`).getByText("control: still hear me?").waitFor({
        timeout: 5_000,
      });
      await cal.waitForTimeout(750);
      assert.equal(await cal.getByText("Cal is off this one now").count(), 0);
      await cal.screenshot({ path: `${screenshotsIn("team_story")}removed-cal-1280-light.png` });
      // What he saw stays readable on the open page; opened again, the channel shows him
      // only what the directory does, and Join: none of its history.
      await row(cal, "Welcome Cal! Release is Friday.").waitFor();
      const again = await cal.context().newPage();
      await again.goto(`${base}${channelPath}`);
      await again.getByRole("button", { name: "Join channel" }).waitFor();
      assert.equal(await again.getByText("Release is Friday").count(), 0);
      assert.equal(await again.locator("li[data-seq]").count(), 0);
      await again.close();
    });

    await step("those still in the channel see each step's system message", async () => {
      await bea.locator("li[data-system=removed]").waitFor();
      assert.deepEqual(await systemLines(bea), [
        "Bea Brook created \u201claunch\u201d",
        "Cal Park joined",
        "Bea Brook removed Cal Park",
      ]);
      await bea.reload();
      await live(bea);
      await bea.screenshot({ path: `${screenshotsIn("team_story")}channel-bea-1280-light.png` });
      assert.deepEqual(await systemLines(bea), [
        "Bea Brook created \u201claunch\u201d",
        "Cal Park joined",
        "Bea Brook removed Cal Park",
      ]);
    });

    for (const page of [ada, bea, cal]) await page.context().close();
    assert.deepEqual(errors, []);
  },
  { REGISTRATION: "invite" },
);
