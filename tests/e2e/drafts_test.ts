/**
 * Drafts in Chromium: Ann on a laptop and a phone (two browser contexts of one person). A
 * draft saved on one shows in the other's sidebar live ("Draft: …"), survives a reload, and
 * never shows to Ben; what Ann types in one's composer (islands/chat/draft_sync.ts) is in the
 * other's, after a reload and live, a thread's apart, and sending clears it everywhere.
 * Screenshots in test-output/drafts/ (375 and 1280 px, light and dark), axe clean.
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest, forEachScreen, openChatPage, screenshotsIn } from "../support/browser.ts";
import { createConversationVia, json, okJson, registerUser } from "../support/helpers.ts";

const OUT = screenshotsIn("drafts");

/** The sidebar's entry of a conversation. */
const item = (page: Page, id: string) =>
  page.locator(`nav[aria-label=Conversations] a[href="/conversations/${id}"]`);

/** Serious and critical axe findings on the page, as lines. */
async function axeProblems(page: Page, what: string): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).analyze();
  return axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map(
    (v) =>
      `${what}: ${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target).join(" | ")}`,
  );
}

/** Saves a draft the way the composer does, from the page (its cookie, its origin). */
async function saveFrom(page: Page, id: string, content: string) {
  const status = await page.evaluate(
    async ([id, content]) =>
      (await fetch(`/api/conversations/${id}/draft`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content }),
      })).status,
    [id, content],
  );
  assert.equal(status, 204);
}

browserTest(
  "the sidebar marks a conversation with your draft, live and after a reload",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const cy = await registerUser(server, { username: "cyd", displayName: "Cy Park" });
    const direct = await createConversationVia(server, ann.cookie, [ben.user]);
    const said = await server.fetch(
      `/api/conversations/${direct}/messages`,
      json("POST", { content: "lunch on Friday?" }, ben.cookie),
    );
    assert.equal(said.status, 201);
    const group = await createConversationVia(server, ann.cookie, [ben.user, cy.user], "Launch");

    // The laptop looks at the group; the phone is elsewhere.
    const errors: string[] = [];
    const laptop = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${group}`,
      errors,
      context: { viewport: { width: 1280, height: 800 } },
    });
    const phone = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${group}`,
      errors,
      context: { viewport: { width: 375, height: 812 } },
    });
    const bens = await openChatPage(browser, server.base, ben.cookie, {
      path: `/conversations/${group}`,
      errors,
    });
    const mark = item(laptop, direct).locator("[data-draft]");

    await t.step("a draft saved on the phone marks the row on the laptop at once", async () => {
      assert.equal(await mark.count(), 0);
      await saveFrom(phone, direct, "Friday works, **noon**?");
      await mark.waitFor({ timeout: 5000 });
      const text = await item(laptop, direct).innerText();
      assert.match(text, /Draft:\s*Friday works, \*\*noon\*\*\?/);
      assert.doesNotMatch(text, /lunch on Friday/, "the draft stands in for the last message");
      // Ben's row of the same conversation says what Ben sees: the last message, no draft.
      const benRow = await item(bens, direct).innerText();
      assert.match(benRow, /lunch on Friday/);
      assert.equal(await item(bens, direct).locator("[data-draft]").count(), 0);
    });

    await t.step("the mark stays after a reload, and not on the open conversation", async () => {
      await laptop.reload();
      await laptop.locator("[data-island=ConversationList][data-hydrated]").waitFor();
      await mark.waitFor();
      // The home page: at phone width the list is the page itself.
      await laptop.goto(`${server.base}/`);
      await laptop.locator("[data-island=ConversationList][data-hydrated]").waitFor();
      await mark.waitFor();
      await forEachScreen(laptop, async (s) => {
        await laptop.screenshot({ path: `${OUT}sidebar-${s.width}-${s.colorScheme}.png` });
      });
      await laptop.setViewportSize({ width: 1280, height: 800 });
      const problems = await axeProblems(laptop, "sidebar with a draft");
      assert.deepEqual(problems, []);
      // On the conversation itself the row shows no draft (the composer holds it).
      await laptop.goto(`${server.base}/conversations/${direct}`);
      await laptop.locator("[data-island=ConversationList][data-hydrated]").waitFor();
      assert.equal(await mark.count(), 0);
      await laptop.goto(`${server.base}/conversations/${group}`);
      await mark.waitFor();
      // The server's page shows the mark; the next step's frame needs the socket open.
      await laptop.getByText("Live", { exact: true }).waitFor();
    });

    await t.step("cleared on the phone: the mark goes on the laptop", async () => {
      await saveFrom(phone, direct, "");
      await mark.waitFor({ state: "detached", timeout: 5000 });
      const list = await okJson(
        await server.fetch("/api/conversations", { headers: { cookie: ann.cookie } }),
      );
      assert.ok(list.conversations.every((c: { draft: string | null }) => c.draft === null));
    });
    assert.deepEqual(errors, []);
  },
);

browserTest(
  "a draft typed on one device is in the other's composer, and sending clears it",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const direct = await createConversationVia(server, ann.cookie, [ben.user]);
    const other = await createConversationVia(server, ann.cookie, [ben.user], "Elsewhere");
    const errors: string[] = [];
    const laptop = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${direct}`,
      errors,
      context: { viewport: { width: 1280, height: 800 } },
    });
    const phone = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${other}`,
      errors,
      context: { viewport: { width: 375, height: 812 } },
    });
    const draftUrl = `/api/conversations/${direct}/draft`;

    await t.step(
      "typed on the laptop: saved after a pause (the phone's list shows it)",
      async () => {
        await laptop.locator("#composer").pressSequentially("see you at noon", { delay: 20 });
        await phone.goto(`${server.base}/`);
        await item(phone, direct).locator("[data-draft]").waitFor({ timeout: 5000 });
        const saved = await okJson(
          await server.fetch(draftUrl, { headers: { cookie: ann.cookie } }),
        );
        assert.equal(saved.draft.content, "see you at noon");
      },
    );

    await t.step("the phone opens the conversation: the draft is in its composer", async () => {
      await phone.goto(`${server.base}/conversations/${direct}`);
      await phone.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      assert.equal(await phone.locator("#composer").inputValue(), "see you at noon");
      await forEachScreen(phone, async (s) => {
        await phone.screenshot({ path: `${OUT}composer-${s.width}-${s.colorScheme}.png` });
      }, [{ width: 375, height: 812, colorScheme: "light" }, {
        width: 375,
        height: 812,
        colorScheme: "dark",
      }]);
      assert.deepEqual(await axeProblems(phone, "composer with a draft"), []);
    });

    await t.step("typing on, on the laptop: the phone's idle composer follows live", async () => {
      await laptop.locator("#composer").pressSequentially(", bring the slides", { delay: 20 });
      await phone.waitForFunction(
        () =>
          (document.getElementById("composer") as HTMLTextAreaElement).value ===
            "see you at noon, bring the slides",
        undefined,
        { timeout: 5000 },
      );
    });

    await t.step(
      "sent from the phone: the laptop's composer empties, the draft is gone",
      async () => {
        await phone.locator("#composer").press("Enter");
        await laptop.locator("li[data-seq]").getByText("see you at noon, bring the slides")
          .waitFor();
        await laptop.waitForFunction(
          () => (document.getElementById("composer") as HTMLTextAreaElement).value === "",
          undefined,
          { timeout: 5000 },
        );
        const after = await okJson(
          await server.fetch(draftUrl, { headers: { cookie: ann.cookie } }),
        );
        assert.equal(after.draft, null);
        await laptop.reload();
        await laptop.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
        assert.equal(await laptop.locator("#composer").inputValue(), "");
      },
    );

    await t.step("a thread's draft follows too, apart from the conversation's", async () => {
      const parent = (await laptop.locator("li[data-seq]").last().getAttribute("data-seq"))!;
      await laptop.goto(`${server.base}/conversations/${direct}?thread=${parent}`);
      // Typed before the page hydrates, the text would be the server's form's alone.
      await laptop.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await laptop.getByText("Live", { exact: true }).waitFor();
      const box = laptop.locator("#thread-composer");
      await box.waitFor();
      await box.pressSequentially("a reply in the making", { delay: 20 });
      const url = `${draftUrl}?parentSeq=${parent}`;
      for (let i = 0; i < 50; i++) {
        const got = await okJson(await server.fetch(url, { headers: { cookie: ann.cookie } }));
        if (got.draft?.content === "a reply in the making") break;
        assert.ok(i < 49, "the thread's draft was saved");
        await new Promise((r) => setTimeout(r, 100));
      }
      await phone.goto(`${server.base}/conversations/${direct}?thread=${parent}`);
      await phone.waitForFunction(
        () =>
          (document.getElementById("thread-composer") as HTMLTextAreaElement | null)?.value ===
            "a reply in the making",
        undefined,
        { timeout: 5000 },
      );
      assert.equal(await phone.locator("#composer").inputValue(), "", "not the conversation's");
    });

    await t.step("Ben's composer never had any of it", async () => {
      const bens = await openChatPage(browser, server.base, ben.cookie, {
        path: `/conversations/${direct}`,
        errors,
      });
      assert.equal(await bens.locator("#composer").inputValue(), "");
    });
    assert.deepEqual(errors, []);
  },
);
