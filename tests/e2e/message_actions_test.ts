/**
 * Editing, deleting and reacting in Chromium, between two people: Ann changes her messages
 * (the Edit button, Up in the composer), Ben sees it live; Ben reacts and Ann sees who did;
 * a reload (with and without JavaScript) shows the same as the live page.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { annAndBen, launchChromium, signedInContext } from "../support/browser.ts";
import { json, startTestServer } from "../support/helpers.ts";

/** A message's text without its "(edited)" mark. */
function bodyText(page: Page, seq: number) {
  return page.locator(`li[data-seq='${seq}'] .markdown`).evaluate(textOf);
}

function textOf(el: Element): string {
  const copy = el.cloneNode(true) as HTMLElement;
  copy.querySelector("[data-edited]")?.remove();
  // innerText needs layout: measure the copy in the page, then take it out again.
  copy.style.position = "absolute";
  document.body.append(copy);
  const text = copy.innerText.trim();
  copy.remove();
  return text;
}

/**
 * What a person can tell about each message: enough to compare live and server-rendered. Its
 * actions are those its toolbar shows as it is pointed at (with JavaScript, the page's one
 * toolbar comes to the message under the pointer).
 */
async function snapshot(page: Page) {
  const rows = page.locator("li[data-seq]");
  const out = [];
  for (const li of await rows.all()) {
    await li.hover();
    // A message with actions shows them once pointed at (a deleted one has none).
    if (!await li.evaluate((el) => el.hasAttribute("data-deleted"))) {
      await li.locator("[role=toolbar]").waitFor();
    }
    out.push(
      await li.evaluate((li) => ({
        seq: Number(li.getAttribute("data-seq")),
        text: (li.querySelector(".markdown") as HTMLElement | null)?.innerText ?? null,
        deleted: li.textContent?.includes("This message was deleted.") ?? false,
        edited: li.querySelector("[title^='Edited ']")?.textContent ?? null,
        chips: [...li.querySelectorAll("button[aria-pressed]")].map((b) =>
          `${b.textContent} ${b.getAttribute("aria-pressed")} ${b.getAttribute("aria-label")}`
        ),
        actions: [...li.querySelectorAll("[role=toolbar] button")].map((b) =>
          b.getAttribute("aria-label")
        ),
      })),
    );
  }
  return out;
}

Deno.test({
  name: "edits, deletes and reactions show live to the other person and survive a reload",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const server = await startTestServer();
    const browser: Browser = await launchChromium();
    try {
      const { ann, ben, id } = await annAndBen(server, "Launch");
      const post = async (cookie: string, content: string) => {
        const res = await server.fetch(
          `/api/conversations/${id}/messages`,
          json("POST", { content }, cookie),
        );
        assert.equal(res.status, 201);
      };
      await post(ann.cookie, "hello team");
      await post(ann.cookie, "the plan is teh best");
      await post(ann.cookie, "oops, wrong room");
      await post(ann.cookie, "ship on friday");
      await post(ben.cookie, "sounds good");

      const errors: string[] = [];
      const open = async (cookie: string, javaScriptEnabled = true) => {
        const context = await signedInContext(browser, server.base, cookie, {
          viewport: { width: 1100, height: 760 },
          javaScriptEnabled,
        });
        const page = await context.newPage();
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(`${server.base}/conversations/${id}`);
        if (javaScriptEnabled) {
          await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
          await page.getByText("Live", { exact: true }).waitFor();
        }
        return page;
      };
      const annPage = await open(ann.cookie);
      const benPage = await open(ben.cookie);
      const row = (page: Page, seq: number) => page.locator(`li[data-seq='${seq}']`);

      await t.step(
        "only your own messages offer Edit and Delete; every one offers React",
        async () => {
          // Each message pointed at in turn: which of them offer Edit (and Delete).
          const offering = async (page: Page) => {
            const seqs = [];
            for (const seq of [1, 2, 3, 4, 5]) {
              await row(page, seq).hover();
              await row(page, seq).getByRole("button", { name: "React", exact: true }).waitFor();
              const edit = await row(page, seq).getByRole("button", { name: "Edit" }).count();
              const del = await row(page, seq).getByRole("button", { name: "Delete" }).count();
              assert.equal(edit, del);
              if (edit) seqs.push(seq);
            }
            return seqs;
          };
          assert.deepEqual(await offering(benPage), [5], "his own");
          assert.deepEqual(await offering(annPage), [1, 2, 3, 4]);
          await row(benPage, 1).hover();
          await row(benPage, 1).getByRole("button", { name: "React", exact: true }).waitFor();
          assert.equal(await row(benPage, 1).getByRole("button", { name: "Edit" }).count(), 0);
          assert.equal(await row(benPage, 1).getByRole("button", { name: "Delete" }).count(), 0);
        },
      );

      await t.step("Ann edits with the button; Ben sees the text and (edited) live", async () => {
        await row(annPage, 2).hover();
        await row(annPage, 2).getByRole("button", { name: "Edit" }).click();
        const editor = row(annPage, 2).getByRole("textbox", { name: "Edit message" });
        assert.equal(await editor.inputValue(), "the plan is teh best");
        // Validated like sending: blank is refused in place, Esc leaves it as it was.
        await editor.fill("   ");
        await editor.press("Enter");
        await row(annPage, 2).getByRole("alert").getByText("Write something first.").waitFor();
        await editor.press("Escape");
        await editor.waitFor({ state: "detached" });
        assert.equal(
          await bodyText(annPage, 2),
          "the plan is teh best",
        );
        await row(annPage, 2).getByRole("button", { name: "Edit" }).click();
        await editor.fill("the plan is **the** best");
        await editor.press("Enter");
        await row(benPage, 2).locator(".markdown strong").getByText("the").waitFor();
        assert.equal(
          await bodyText(benPage, 2),
          "the plan is the best",
        );
        const edited = row(benPage, 2).getByText("(edited)");
        await edited.waitFor();
        assert.match((await edited.getAttribute("title")) ?? "", /^Edited \d/);
        await row(annPage, 2).getByText("(edited)").waitFor();
      });

      await t.step("Up in Ann's empty composer edits her last message; Esc cancels", async () => {
        const composer = annPage.getByLabel("Message", { exact: true });
        await composer.focus();
        await composer.press("ArrowUp");
        const editor = row(annPage, 4).getByRole("textbox", { name: "Edit message" });
        assert.equal(await editor.inputValue(), "ship on friday");
        assert.ok(await editor.evaluate((el) => el === document.activeElement), "focused");
        await editor.press("Escape");
        await editor.waitFor({ state: "detached" });
        await annPage.waitForFunction(() => document.activeElement?.id === "composer");
        await composer.press("ArrowUp");
        await editor.fill("ship on Monday");
        await editor.press("Shift+Enter");
        await editor.pressSequentially("after review");
        assert.equal(await editor.inputValue(), "ship on Monday\nafter review");
        await editor.press("Enter");
        await row(benPage, 4).getByText("after review").waitFor();
        assert.equal(
          await bodyText(benPage, 4),
          "ship on Monday\nafter review",
        );
        await row(benPage, 4).getByText("(edited)").waitFor();
      });

      await t.step(
        "Ann deletes one after confirming; Ben sees the placeholder in place",
        async () => {
          await row(annPage, 3).hover();
          await row(annPage, 3).getByRole("button", { name: "Delete" }).click();
          const confirm = row(annPage, 3).getByRole("alertdialog", {
            name: "Delete this message?",
          });
          await confirm.getByRole("button", { name: "Cancel" }).click();
          await confirm.waitFor({ state: "detached" });
          // The row shrank back under the pointer: it goes to the message again.
          await row(annPage, 3).hover();
          await row(annPage, 3).getByRole("button", { name: "Delete" }).click();
          await confirm.getByRole("button", { name: "Delete" }).click();
          await row(benPage, 3).getByText("This message was deleted.").waitFor();
          assert.equal(await row(benPage, 3).getByText("oops").count(), 0);
          assert.equal(await row(benPage, 3).getByRole("button").count(), 0, "no actions");
          await row(annPage, 3).getByText("This message was deleted.").waitFor();
          assert.equal(await row(annPage, 3).getByRole("button").count(), 0);
          const seqs = await benPage.locator("li[data-seq]").evaluateAll((els) =>
            els.map((e) => Number(e.getAttribute("data-seq")))
          );
          assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
        },
      );

      await t.step(
        "Ben reacts 👍 by keyboard; Ann sees who; a second click takes it back",
        async () => {
          const react = row(benPage, 1).getByRole("button", { name: "React", exact: true });
          // The message by keyboard, then Tab to its first tool.
          await row(benPage, 1).focus();
          await benPage.keyboard.press("Tab");
          assert.ok(await react.evaluate((el) => el === document.activeElement), "React focused");
          const toolbar = row(benPage, 1).getByRole("toolbar");
          assert.equal(await toolbar.evaluate((el) => getComputedStyle(el).opacity), "1");
          await benPage.keyboard.press("Enter");
          const thumbs = row(benPage, 1).getByRole("button", { name: "React with 👍" });
          assert.ok(
            await thumbs.evaluate((el) => el === document.activeElement),
            "palette focused",
          );
          await benPage.keyboard.press("Enter");
          const annChip = row(annPage, 1).getByRole("button", { name: "Ben Ode reacted with 👍" });
          await annChip.waitFor();
          assert.match(await annChip.innerText(), /^👍\s*1$/);
          assert.equal(await annChip.getAttribute("aria-pressed"), "false");
          assert.equal(await annChip.getAttribute("title"), "Ben Ode reacted with 👍");
          const benChip = row(benPage, 1).getByRole("button", { name: "Ben Ode reacted with 👍" });
          assert.equal(await benChip.getAttribute("aria-pressed"), "true");
          await benChip.click();
          await annChip.waitFor({ state: "detached" });
          await benChip.waitFor({ state: "detached" });
        },
      );

      await t.step(
        "reactions add up: Ben ❤️ from the palette, Ann joins with the chip",
        async () => {
          await row(benPage, 2).hover();
          await row(benPage, 2).getByRole("button", { name: "React", exact: true }).click();
          await row(benPage, 2).getByRole("button", { name: "React with ❤️" }).click();
          const chip = row(annPage, 2).getByRole("button", { name: "Ben Ode reacted with ❤️" });
          await chip.click();
          const both = "Ben Ode, Ann Lee reacted with ❤️";
          await row(benPage, 2).getByRole("button", { name: both }).waitFor();
          const annBoth = row(annPage, 2).getByRole("button", { name: both });
          assert.equal(await annBoth.getAttribute("aria-pressed"), "true");
          assert.match(await annBoth.innerText(), /^❤️\s*2$/);
        },
      );

      await t.step(
        "a reload renders on the server what was live, and hydrates the same",
        async () => {
          const live = await snapshot(annPage);
          assert.deepEqual(live.map((m) => m.text), [
            "hello team",
            "the plan is the best (edited)",
            null,
            "ship on Monday\nafter review (edited)",
            "sounds good",
          ]);
          const noScript = await open(ann.cookie, false);
          assert.deepEqual(await snapshot(noScript), live);
          await noScript.context().close();
          await annPage.reload();
          await annPage.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
          await annPage.getByText("Live", { exact: true }).waitFor();
          assert.deepEqual(await snapshot(annPage), live);
          assert.deepEqual(live[2], {
            seq: 3,
            text: null,
            deleted: true,
            edited: null,
            chips: [],
            actions: [],
          });
        },
      );

      await t.step("a screenshot of Ben's view with the palette open", async () => {
        await row(benPage, 4).hover();
        await row(benPage, 4).getByRole("button", { name: "React", exact: true }).click();
        await row(benPage, 4).getByRole("button", { name: "React with 🎉" }).waitFor();
        await Deno.mkdir("test-output", { recursive: true });
        await benPage.screenshot({ path: "test-output/message-actions.png" });
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
