/**
 * Issue 16's channels and membership UI in Chromium: the /channels directory and a channel's
 * page without JavaScript (create, join, add, remove, rename, topic, archive, leave: plain
 * forms), the sidebar's Channels section kept live (added: it appears; removed: it goes;
 * archived: it leaves), and screenshots of /channels and a channel at 1280 and 375 px, light
 * and dark, with no serious axe violation (test-output/channels/).
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { browserTest, screenshotsIn, signedInContext } from "../support/browser.ts";
import { json, registerUser } from "../support/helpers.ts";

const OUT = screenshotsIn("channels");

type Server = Parameters<Parameters<typeof browserTest>[1]>[0]["server"];
type Person = Awaited<ReturnType<typeof registerUser>>;

/** A channel made through the API (201): its id. */
async function channel(
  server: Server,
  who: Person,
  fields: { title: string; topic?: string; visibility?: "public" | "private" },
): Promise<string> {
  const res = await server.fetch(
    "/api/conversations",
    json("POST", { kind: "channel", ...fields }, who.cookie),
  );
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).conversation.id;
}

async function say(server: Server, who: Person, id: string, content: string) {
  const res = await server.fetch(
    `/api/conversations/${id}/messages`,
    json("POST", { content }, who.cookie),
  );
  assert.equal(res.status, 201, await res.clone().text());
}

/** Ann (the site's admin: the first account), Ben and Cy. */
async function team(server: Server) {
  const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
  const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
  const cy = await registerUser(server, { username: "cyd", displayName: "Cy Park" });
  return { ann, ben, cy };
}

/** A page for `who` at `path`, JavaScript on or off. */
async function open(
  browser: Browser,
  server: Server,
  who: Person,
  path: string,
  options: { js?: boolean; width?: number; errors?: string[] } = {},
): Promise<Page> {
  const context = await signedInContext(browser, server.base, who.cookie, {
    viewport: { width: options.width ?? 1280, height: 800 },
    javaScriptEnabled: options.js ?? true,
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => options.errors?.push(e.message));
  await page.goto(`${server.base}${path}`);
  return page;
}

/** The sidebar's Channels section. */
const channelsSection = (page: Page) =>
  page.locator("nav[aria-label=Conversations] ul[data-section=channels]");

browserTest(
  "channels without JavaScript: create, find, join, add, remove, rename, topic, archive, leave",
  async ({ server, browser }, t) => {
    const { ann, ben, cy } = await team(server);
    const general = await channel(server, ann, {
      title: "general",
      topic: "Everything about the team",
    });
    const leadership = await channel(server, ann, { title: "leadership", visibility: "private" });
    await say(server, ann, general, "Welcome, everyone");
    const page = await open(browser, server, ben, "/channels", { js: false });
    const id = () => new URL(page.url()).pathname.split("/").at(-1)!;

    await t.step(
      "the directory lists public channels, not private ones you are not in",
      async () => {
        const list = page.locator("main").getByRole("list", { name: "Channels" });
        await list.getByText("general").waitFor();
        assert.equal(await page.getByText("leadership").count(), 0);
        assert.equal(
          await channelsSection(page).locator('a[href="/channels"]').getAttribute("aria-current"),
          "page",
        );
        assert.match(await page.locator(`[data-channel="${general}"]`).innerText(), /1 member/);
        assert.match(
          await page.locator(`[data-channel="${general}"]`).innerText(),
          /Everything about the team/,
        );
      },
    );

    let random = "";
    await t.step("creating a channel opens it; its name is then taken", async () => {
      await page.locator("#channel-name").fill("random");
      await page.locator("#channel-topic").fill("Anything goes");
      await page.getByRole("button", { name: "Create channel" }).click();
      await page.waitForURL(/\/conversations\//);
      random = id();
      await page.getByRole("heading", { level: 1, name: /random/ }).waitFor();
      assert.match(await page.getByTestId("presence").innerText(), /1 member · Anything goes/);
      // It is in the sidebar's Channels section, and the directory marks it joined.
      await channelsSection(page).locator(`a[href="/conversations/${random}"]`).waitFor();
      await page.goto(`${server.base}/channels?search=RAND`);
      const card = page.locator(`[data-channel="${random}"]`);
      assert.match(await card.innerText(), /Joined/);
      assert.equal(await page.locator(`[data-channel="${general}"]`).count(), 0, "searched");
    });

    await t.step("a public channel's link shows Join; a private one is not found", async () => {
      await page.goto(`${server.base}/conversations/${general}`);
      await page.getByRole("heading", { level: 1, name: "general" }).waitFor();
      await page.getByRole("button", { name: "Join channel" }).waitFor();
      assert.equal(await page.getByText("Welcome").count(), 0, "no history before joining");
      const hidden = await page.goto(`${server.base}/conversations/${leadership}`);
      assert.equal(hidden?.status(), 404);
      const badCursor = await page.goto(`${server.base}/channels?cursor=AAAA`);
      assert.equal(badCursor?.status(), 200);
    });

    await t.step("joining a public channel from the directory", async () => {
      await page.goto(`${server.base}/channels`);
      await page.getByRole("button", { name: "Join general" }).click();
      await page.waitForURL(`${server.base}/conversations/${general}`);
      await page.getByRole("list", { name: "Members" }).getByText("Ben Ode").waitFor();
      await channelsSection(page).locator(`a[href="/conversations/${general}"]`).waitFor();
    });

    await t.step("adding and removing people in your channel", async () => {
      await page.goto(`${server.base}/conversations/${random}`);
      await page.locator("#member-username").fill("@cyd");
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.waitForURL(`${server.base}/conversations/${random}`);
      const members = page.getByRole("list", { name: "Members" });
      await members.getByText("Cy Park").waitFor();
      assert.match(await page.getByTestId("presence").innerText(), /2 members/);
      await page.getByRole("button", { name: "Remove Cy Park" }).click();
      await page.waitForURL(`${server.base}/conversations/${random}`);
      assert.equal(await members.getByText("Cy Park").count(), 0);
    });

    await t.step("renaming, a topic, archiving: read-only; unarchiving", async () => {
      await page.getByText("Channel settings").click();
      await page.locator("#settings-title").fill("random-stuff");
      await page.getByRole("button", { name: "Rename" }).click();
      await page.getByRole("heading", { level: 1, name: /random-stuff/ }).waitFor();
      await page.getByText("Channel settings").click();
      await page.locator("#settings-topic").fill("Links and jokes");
      await page.getByRole("button", { name: "Set topic" }).click();
      await page.getByTestId("presence").getByText("Links and jokes").waitFor();
      await page.getByText("Channel settings").click();
      await page.getByRole("button", { name: "Archive channel" }).click();
      await page.getByTestId("read-only").getByText("This channel is archived.").waitFor();
      assert.equal(await page.locator("textarea[name=content]").count(), 0, "no composer");
      assert.equal(
        await channelsSection(page).locator(`a[href="/conversations/${random}"]`).count(),
        0,
        "archived: out of the sidebar",
      );
      await page.goto(`${server.base}/channels`);
      assert.match(await page.locator(`[data-channel="${random}"]`).innerText(), /Archived/);
      await page.goto(`${server.base}/conversations/${random}`);
      await page.getByText("Channel settings").click();
      await page.getByRole("button", { name: "Unarchive channel" }).click();
      await page.getByRole("button", { name: "Send" }).waitFor();
    });

    await t.step("someone else's channel: no settings, no Remove; leaving it", async () => {
      await page.goto(`${server.base}/conversations/${general}`);
      assert.equal(await page.getByText("Channel settings").count(), 0);
      assert.equal(await page.getByRole("button", { name: /^Remove / }).count(), 0);
      await page.getByRole("button", { name: "Leave this channel" }).click();
      await page.waitForURL(`${server.base}/`);
      assert.equal(
        await channelsSection(page).locator(`a[href="/conversations/${general}"]`).count(),
        0,
      );
      await page.goto(`${server.base}/channels`);
      await page.getByRole("button", { name: "Join general" }).waitFor();
    });

    await t.step("a group: rename it, leave it", async () => {
      const made = await server.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ann.user.id, cy.user.id] }, ben.cookie),
      );
      assert.equal(made.status, 201);
      const group = (await made.json()).conversation.id;
      await page.goto(`${server.base}/conversations/${group}`);
      await page.getByText("Conversation settings").click();
      await page.locator("#settings-title").fill("Lunch club");
      await page.getByRole("button", { name: "Rename" }).click();
      await page.getByRole("heading", { level: 1, name: "Lunch club" }).waitFor();
      await page.getByRole("button", { name: "Leave this group" }).click();
      await page.waitForURL(`${server.base}/`);
      const gone = await page.goto(`${server.base}/conversations/${group}`);
      assert.equal(gone?.status(), 404);
    });
    await page.context().close();
  },
);

browserTest(
  "live: added, a channel appears in the sidebar; removed, it goes; renamed, topic and archived reach an open page",
  async ({ server, browser }, t) => {
    const { ann, ben, cy } = await team(server);
    const errors: string[] = [];
    const room = await channel(server, ben, { title: "live-room", topic: "Watch this" });
    const general = await channel(server, ann, { title: "general" });
    const cyHome = await open(browser, server, cy, "/", { errors });
    await cyHome.locator("[data-island=ConversationList][data-hydrated]").waitFor();
    const inCySidebar = (id: string) =>
      channelsSection(cyHome).locator(`a[href="/conversations/${id}"]`);

    const benPage = await open(browser, server, ben, `/conversations/${room}`, { errors });
    await t.step("Ben adds Cy with the people search: it appears in her sidebar", async () => {
      await benPage.locator("[data-island=AddMember][data-hydrated]").waitFor();
      await benPage.locator("#member-username").fill("Cy");
      await benPage.getByRole("list", { name: "People" }).getByText("Cy Park").click();
      assert.equal(await benPage.locator("#member-username").inputValue(), "@cyd");
      await benPage.getByRole("button", { name: "Add", exact: true }).click();
      await benPage.getByRole("list", { name: "Members" }).getByText("Cy Park").waitFor();
      await inCySidebar(room).waitFor({ timeout: 5000 });
      // A name nobody has is said by the field.
      await benPage.locator("#member-username").fill("@nobody");
      await benPage.getByRole("button", { name: "Add", exact: true }).click();
      await benPage.locator("#member-username-error").getByText(/nobody/i).waitFor();
    });

    await t.step("removed, it leaves her sidebar at once", async () => {
      await benPage.getByRole("button", { name: "Remove Cy Park" }).click();
      await inCySidebar(room).waitFor({ state: "detached", timeout: 5000 });
      // The removal is a form's post, a navigation: closed once its page has loaded, not in
      // the middle (a fresh-clone run once hung in this close, which has no timeout).
      await benPage.waitForLoadState("load");
      await benPage.context().close();
    });

    await t.step("an open channel follows a rename, a topic and archiving", async () => {
      const joined = await server.fetch(
        `/api/conversations/${general}/join`,
        json("POST", {}, cy.cookie),
      );
      assert.equal(joined.status, 200);
      await inCySidebar(general).waitFor({ timeout: 5000 });
      await cyHome.goto(`${server.base}/conversations/${general}`);
      await cyHome.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await cyHome.getByText("Live", { exact: true }).waitFor();
      const patch = async (body: Record<string, unknown>) => {
        const res = await server.fetch(
          `/api/conversations/${general}`,
          json("PATCH", body, ann.cookie),
        );
        assert.equal(res.status, 200, await res.text());
      };
      await patch({ title: "everyone" });
      await cyHome.getByRole("heading", { level: 1, name: /everyone/ }).waitFor({ timeout: 5000 });
      await patch({ topic: "Company news" });
      await cyHome.getByTestId("room-topic").getByText("Company news").waitFor({ timeout: 5000 });
      await patch({ archived: true });
      await cyHome.getByTestId("read-only").getByText("This channel is archived.").waitFor({
        timeout: 5000,
      });
      assert.equal(await cyHome.getByRole("button", { name: "Send" }).count(), 0);
      await inCySidebar(general).waitFor({ state: "detached", timeout: 5000 });
    });
    assert.deepEqual(errors, []);
    await cyHome.context().close();
  },
);

const SCREENS = [
  { name: "1280", width: 1280, height: 800 },
  { name: "375", width: 375, height: 812 },
] as const;

browserTest(
  "the look of /channels and a channel: 1280 and 375 px, light and dark, axe clean",
  async ({ server, browser }, t) => {
    const { ann, ben, cy } = await team(server);
    const general = await channel(server, ann, {
      title: "general",
      topic: "Announcements and everything about the team",
    });
    const design = await channel(server, ben, {
      title: "design-reviews",
      topic: "Mockups, critiques and the style guide",
    });
    await channel(server, ann, { title: "leadership", visibility: "private" });
    const old = await channel(server, ann, { title: "launch-2025", topic: "The old launch" });
    const random = await channel(server, ben, { title: "random", topic: "Links and jokes" });
    const group = await server.fetch(
      "/api/conversations",
      json("POST", { participantIds: [ben.user.id, cy.user.id], title: "Launch crew" }, ann.cookie),
    );
    assert.equal(group.status, 201);
    const crew = (await group.json()).conversation.id;
    await say(server, ben, crew, "Shall we meet at 3?");
    for (const [who, id] of [[ben, general], [cy, general], [ann, design]] as const) {
      const res = await server.fetch(`/api/conversations/${id}/join`, json("POST", {}, who.cookie));
      assert.equal(res.status, 200, await res.text());
    }
    await say(server, ann, general, "Welcome to **general**, everyone!");
    await say(server, ben, general, "Thanks Ann. The release notes are in #design-reviews.");
    await say(server, cy, general, "Deploying at 5.");
    const archived = await server.fetch(
      `/api/conversations/${old}`,
      json("PATCH", { archived: true }, ann.cookie),
    );
    assert.equal(archived.status, 200, await archived.text());

    const pages = [
      { name: "directory", path: "/channels", ready: "main h1" },
      {
        name: "channel",
        path: `/conversations/${general}`,
        ready: "[data-island=ChatRoom][data-hydrated]",
      },
      {
        name: "archived",
        path: `/conversations/${old}`,
        ready: "[data-island=ChatRoom][data-hydrated]",
      },
      { name: "preview", path: `/conversations/${random}`, ready: "main h1" },
      {
        name: "group",
        path: `/conversations/${crew}`,
        ready: "[data-island=ChatRoom][data-hydrated]",
      },
    ];
    const problems: string[] = [];
    for (const size of SCREENS) {
      for (const theme of ["light", "dark"] as const) {
        await t.step(`${size.name} px, ${theme}`, async () => {
          const context = await signedInContext(browser, server.base, ann.cookie, {
            viewport: { width: size.width, height: size.height },
            colorScheme: theme,
          });
          try {
            for (const p of pages) {
              const page = await context.newPage();
              await page.goto(`${server.base}${p.path}`);
              await page.locator(p.ready).first().waitFor();
              await page.waitForLoadState("networkidle").catch(() => {});
              await page.screenshot({ path: `${OUT}${p.name}-${size.name}-${theme}.png` });
              if (p.name === "directory") {
                // The whole directory, down to the create form (it scrolls in its pane).
                await page.locator("#new-channel").screenshot({
                  path: `${OUT}${p.name}-create-${size.name}-${theme}.png`,
                });
              }
              if (p.name === "channel" || p.name === "group") {
                await page.locator("#details").scrollIntoViewIfNeeded();
                await page.locator("#settings summary").click();
                await page.locator("#details").screenshot({
                  path: `${OUT}${p.name}-details-${size.name}-${theme}.png`,
                });
              }
              const overflow = await page.evaluate(() =>
                document.documentElement.scrollWidth - document.documentElement.clientWidth
              );
              if (overflow > 1) problems.push(`${p.name} ${size.name}: ${overflow}px too wide`);
              const axe = await new AxeBuilder({ page }).analyze();
              for (const v of axe.violations) {
                if (v.impact !== "serious" && v.impact !== "critical") continue;
                const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ");
                problems.push(`${p.name} ${size.name} ${theme}: ${v.id} (${v.impact}) at ${where}`);
              }
              await page.close();
            }
          } finally {
            await context.close();
          }
        });
      }
    }
    assert.deepEqual(problems, []);
  },
);
