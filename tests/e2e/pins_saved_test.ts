/**
 * Pins and saved messages in Chromium: the Saved page (paging, opening a message in its
 * conversation, Unsave without JavaScript), a conversation's pins page (open in context,
 * Unpin) and the header's pins panel when the room shows it; screenshots at 1280 and
 * 375 px, light and dark, with no serious axe violation (test-output/pins_saved/).
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, screenshotsIn, signedInContext } from "../support/browser.ts";
import { createConversationVia, json, registerUser } from "../support/helpers.ts";
import { axeProblems, overflow, SIZES } from "../support/pages.ts";
import { call, say } from "../support/talk.ts";

const OUT = screenshotsIn("pins_saved");

browserTest(
  "saved and pinned messages: pages, opening in context, forms, looks",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Launch plan");
    const cy = await registerUser(server, { username: "cyp", displayName: "Cy Park" });
    const other = await createConversationVia(server, ben.cookie, [ann.user, cy.user], "Design");
    const early = await say(server, ann.cookie, id, "Kick-off is on **Monday** at 10.");
    for (let i = 0; i < 30; i++) await say(server, ben.cookie, id, `Filler message ${i + 1}`);
    const date = await say(
      server,
      ben.cookie,
      id,
      "The launch date is 12 March; the press kit goes out a week before. Ping me with questions about the copy.",
    );
    const mock = await say(server, cy.cookie, other, "Mockups are in the shared folder.");
    const last = await say(server, ann.cookie, id, "Thanks everyone!");

    // Ann saves three messages (the newest save first on the page); Ben pins two.
    await call(server, ann.cookie, "PUT", `/api/saved/${id}/${early.seq}`);
    await call(server, ann.cookie, "PUT", `/api/saved/${other}/${mock.seq}`);
    await call(server, ann.cookie, "PUT", `/api/saved/${id}/${date.seq}`);
    await call(server, ben.cookie, "PUT", `/api/conversations/${id}/messages/${early.seq}/pin`);
    await call(server, ben.cookie, "PUT", `/api/conversations/${id}/messages/${date.seq}/pin`);

    await t.step("the Saved page lists them newest first and opens one in context", async () => {
      const context = await signedInContext(browser, server.base, ann.cookie, {
        viewport: { width: 1280, height: 800 },
      });
      const page = await context.newPage();
      await page.goto(`${server.base}/saved`);
      const items = page.locator("[data-testid=saved-list] > li");
      assert.equal(await items.count(), 3);
      const texts = await items.allInnerTexts();
      assert.match(texts[0], /launch date is 12 March/);
      assert.match(texts[1], /Mockups are in the shared folder/);
      assert.match(texts[1], /in Design/);
      assert.match(texts[2], /Kick-off is on Monday at 10/);
      // The oldest saved message is far up its history: it opens around it.
      await items.nth(2).locator("a").first().click();
      await page.waitForURL(new RegExp(`/conversations/${id}\\?around=${early.seq}#m${early.seq}`));
      await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      const target = page.locator(`#m${early.seq}`);
      await target.waitFor();
      // Scrolled to it: the saved message is in view, the conversation's end is not.
      const inView = (seq: number) =>
        page.locator(`#m${seq}`).evaluate((el) => {
          const r = el.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight;
        });
      await page.waitForFunction(
        (seq) => {
          const el = document.getElementById(`m${seq}`);
          const r = el?.getBoundingClientRect();
          return !!r && r.bottom > 0 && r.top < innerHeight;
        },
        early.seq,
      );
      assert.ok(await inView(early.seq), "the saved message is in view");
      assert.ok(!(await inView(last.seq)), "the page opened around it, not at the end");
      await context.close();
    });

    await t.step("paging without JavaScript: Older, then Newest", async () => {
      // Cy saves 32 messages: a page of 30, then 2.
      for (let i = 0; i < 32; i++) {
        const m = await say(server, cy.cookie, other, `Note ${i + 1}`);
        await call(server, cy.cookie, "PUT", `/api/saved/${other}/${m.seq}`);
      }
      const context = await signedInContext(browser, server.base, cy.cookie, {
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      await page.goto(`${server.base}/saved`);
      const items = page.locator("[data-testid=saved-list] > li");
      assert.equal(await items.count(), 30);
      assert.match(await items.first().innerText(), /Note 32/);
      await page.getByRole("link", { name: "Older saved messages" }).click();
      await page.waitForURL(/\/saved\?cursor=/);
      assert.deepEqual(
        (await items.allInnerTexts()).map((x) => x.match(/Note \d+/)?.[0]),
        ["Note 2", "Note 1"],
      );
      assert.equal(await page.getByRole("link", { name: "Older saved messages" }).count(), 0);
      await page.getByRole("link", { name: "Newest" }).click();
      await page.waitForURL(`${server.base}/saved`);
      assert.equal(await items.count(), 30);
      await context.close();
    });

    await t.step("Unsave without JavaScript: back to /saved, the item is gone", async () => {
      const context = await signedInContext(browser, server.base, ann.cookie, {
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      await page.goto(`${server.base}/saved`);
      await page.locator("[data-testid=saved-list] > li").filter({ hasText: "Mockups" })
        .getByRole("button", { name: "Unsave" }).click();
      await page.waitForURL(`${server.base}/saved`);
      const texts = await page.locator("[data-testid=saved-list] > li").allInnerTexts();
      assert.equal(texts.length, 2);
      assert.ok(!texts.some((x) => x.includes("Mockups")));
      await context.close();
    });

    await t.step(
      "the pins page lists pins newest first; Unpin works without JavaScript",
      async () => {
        const context = await signedInContext(browser, server.base, ann.cookie, {
          javaScriptEnabled: false,
        });
        const page = await context.newPage();
        await page.goto(`${server.base}/conversations/${id}/pins`);
        const items = page.locator("[data-testid=pins-list] > li");
        const texts = await items.allInnerTexts();
        assert.equal(texts.length, 2);
        assert.match(texts[0], /launch date/);
        assert.match(texts[0], /Pinned by Ben Ode/);
        assert.match(texts[1], /Kick-off/);
        await items.first().getByRole("button", { name: "Unpin" }).click();
        await page.waitForURL(`${server.base}/conversations/${id}/pins`);
        assert.equal(await items.count(), 1);
        // Pinned again for the screenshots.
        await call(server, ann.cookie, "PUT", `/api/conversations/${id}/messages/${date.seq}/pin`);
        // An outsider gets the not-found page.
        const eve = await registerUser(server, { username: "eveo", displayName: "Eve" });
        const res = await server.fetch(`/conversations/${id}/pins`, {
          headers: { cookie: eve.cookie },
        });
        assert.equal(res.status, 404);
        await res.body?.cancel();
        await context.close();
      },
    );

    // Ann has read Design (Cy's notes): the sidebar shows no unread badge in the screenshots.
    const head = await say(server, cy.cookie, other, "That's all for now.");
    const read = await server.fetch(
      `/api/conversations/${other}/read`,
      json("POST", { seq: head.seq }, ann.cookie),
    );
    assert.equal(read.status, 204);

    const problems: string[] = [];
    for (const size of SIZES) {
      for (const theme of ["light", "dark"] as const) {
        await t.step(`looks: ${size.name} px, ${theme}`, async () => {
          const context = await signedInContext(browser, server.base, ann.cookie, {
            viewport: { width: size.width, height: size.height },
            colorScheme: theme,
          });
          const page = await context.newPage();
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(e.message));
          for (
            const p of [
              { name: "saved", path: "/saved", ready: "[data-testid=saved-list]" },
              { name: "pins", path: `/conversations/${id}/pins`, ready: "[data-testid=pins-list]" },
            ]
          ) {
            await page.goto(`${server.base}${p.path}`);
            await page.locator(p.ready).waitFor();
            await page.waitForLoadState("networkidle").catch(() => {});
            await page.screenshot({ path: `${OUT}${p.name}-${size.name}-${theme}.png` });
            const wide = await overflow(page);
            if (wide > 1) problems.push(`${p.name} ${size.name}: ${wide}px too wide`);
            problems.push(...await axeProblems(page, `${p.name} ${size.name} ${theme}`));
          }
          // The header's pins panel, once the room shows the button (islands/chat/RoomHeader).
          await page.goto(`${server.base}/conversations/${id}`);
          await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
          const button = page.locator("button[data-testid=pins-button]");
          if (await button.count()) {
            await button.click();
            await page.locator("[data-testid=pins-panel] [data-testid=pins-list]").waitFor();
            await page.screenshot({ path: `${OUT}panel-${size.name}-${theme}.png` });
            problems.push(...await axeProblems(page, `panel ${size.name} ${theme}`));
            await page.keyboard.press("Escape");
            await page.locator("[data-testid=pins-panel]").waitFor({ state: "detached" });
          }
          assert.deepEqual(errors, []);
          await context.close();
        });
      }
    }
    assert.deepEqual(problems, []);
  },
);
