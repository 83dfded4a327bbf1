/**
 * History in Chromium: scrolling up loads older pages by cursor and keeps what you were
 * looking at in place; new messages while you read old ones offer a jump to the latest.
 */
import assert from "node:assert/strict";
import { sendMessage } from "../../lib/messages/mod.ts";
import { annAndBen, browserTest, signedInContext } from "../support/browser.ts";
import { json } from "../support/helpers.ts";

browserTest(
  "scrolling up loads older history in place; new messages offer a jump to the latest",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Long");
    for (let i = 1; i <= 130; i++) {
      await sendMessage(server.ctx.kv, ann.user, { conversationId: id, content: `line ${i}` });
    }
    const context = await signedInContext(browser, server.base, ben.cookie, {
      viewport: { width: 1000, height: 700 },
    });
    const page = await context.newPage();
    await page.goto(`${server.base}/conversations/${id}`);
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    const seqs = () =>
      page.locator("li[data-seq]").evaluateAll((els) =>
        els.map((e) => Number(e.getAttribute("data-seq")))
      );
    /** Scrolls the history to its top; returns where message `seq` then is (px from the top). */
    const toTop = (seq: number) =>
      page.getByTestId("messages").evaluate((el, seq) => {
        el.scrollTop = 0;
        return el.querySelector(`li[data-seq='${seq}']`)!.getBoundingClientRect().y;
      }, seq);
    /** Waits until two more frames are painted. */
    const afterFrames = () =>
      page.evaluate(async () => {
        for (let i = 0; i < 2; i++) {
          await new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
        }
      });

    await t.step("the page opens at the newest message, 50 of them", async () => {
      await page.getByTestId("messages").getByText("line 130", { exact: true }).waitFor();
      // Live, so that going live (a new state of the room) is not what scrolls it next: while
      // the room sticks to its end, each new state puts the view back there (use_scroll.ts).
      await page.getByText("Live", { exact: true }).waitFor();
      const shown = await seqs();
      assert.equal(shown.length, 50);
      assert.equal(shown[0], 81);
      const atEnd = await page.getByTestId("messages").evaluate((el) =>
        el.scrollHeight - el.scrollTop - el.clientHeight < 80
      );
      assert.ok(atEnd, "scrolled to the end");
    });

    await t.step("a reaction while you read up the page leaves the view where it is", async () => {
      // No message has come since the page opened at the end, so the room last decided then
      // to follow the end: where you scrolled since must decide instead.
      const messages = page.getByTestId("messages");
      const frame = () =>
        messages.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r))));
      const before = await messages.evaluate((el) => {
        el.scrollTop -= 400;
        return el.scrollTop;
      });
      await frame();
      const res = await server.fetch(
        `/api/conversations/${id}/messages/130/reactions/${encodeURIComponent("👍")}`,
        json("PUT", undefined, ann.cookie),
      );
      assert.ok(res.status < 300, `the reaction answered ${res.status}`);
      await page.locator("li[data-seq='130'] [data-emoji='👍']").waitFor({ state: "attached" });
      await frame();
      await frame();
      const after = await messages.evaluate((el) => el.scrollTop);
      assert.ok(Math.abs(after - before) < 2, `the view moved from ${before} to ${after}`);
    });

    await t.step("scrolling to the top loads the pages before, keeping the view", async () => {
      const anchor = page.locator("li[data-seq='81']");
      const was81 = await toTop(81);
      await page.locator("li[data-seq='31']").waitFor({ state: "attached" });
      // The message that was at the top is still in view after the page above it arrived.
      const box = await anchor.boundingBox();
      assert.ok(box && box.y > 0 && box.y < 700, `message 81 still on screen (${box?.y})`);
      // …exactly where it was, also once the messages above it are laid out (until then they
      // count as 72 px high: lib/web/styles.ts).
      await afterFrames();
      const y81 = (await anchor.boundingBox())?.y ?? NaN;
      assert.ok(Math.abs(y81 - was81) <= 2, `message 81 stays at ${was81} (${y81})`);
      const was31 = await toTop(31);
      await page.locator("li[data-seq='1']").waitFor({ state: "attached" });
      assert.deepEqual(await seqs(), Array.from({ length: 130 }, (_, i) => i + 1));
      await page.getByText("Load older messages").waitFor({ state: "detached" });
      await afterFrames();
      const y31 = (await page.locator("li[data-seq='31']").boundingBox())?.y ?? NaN;
      assert.ok(Math.abs(y31 - was31) <= 2, `message 31 stays at ${was31} (${y31})`);
    });

    await t.step("scrolling up through them, row by row, keeps each in place", async () => {
      // The pointer rests on the history, as it does while a wheel scrolls it (the toolbar
      // follows the message under it).
      const box = await page.getByTestId("messages").boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      // Up 30 px at a time to the top: the first message whose top shows moves down by 30 px,
      // however high the messages above it turn out as they are laid out.
      const steps = await page.getByTestId("messages").evaluate(async (el) => {
        const painted = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
        const steps: { seq: string; moved: number }[] = [];
        while (el.scrollTop >= 30) {
          const top = el.getBoundingClientRect().top;
          const row = [...el.querySelectorAll<HTMLElement>("li[data-seq]")]
            .find((r) => r.getBoundingClientRect().top >= top)!;
          const before = row.getBoundingClientRect().top;
          el.scrollTop -= 30;
          await painted();
          await painted();
          steps.push({ seq: row.dataset.seq!, moved: row.getBoundingClientRect().top - before });
        }
        return steps;
      });
      // From message 31 up through the 30 of the last page, most of them laid out only now.
      assert.ok(steps.length >= 20, `${steps.length} steps`);
      assert.ok(Number(steps[0].seq) <= 31, `from message ${steps[0].seq}`);
      assert.ok(Number(steps.at(-1)?.seq) <= 3, `up to message ${steps.at(-1)?.seq}`);
      const jumps = steps.filter((s) => Math.abs(s.moved - 30) > 2);
      assert.deepEqual(jumps, [], "each step moves the message in view by 30 px");
    });

    await t.step("reading old messages, a new one offers a jump to it", async () => {
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "fresh news" }, ann.cookie),
      );
      assert.equal(res.status, 201);
      // Screen readers hear it through the polite live region.
      await page.getByRole("log", { name: "New messages" }).getByText("Ann Lee: fresh news")
        .waitFor({ state: "attached" });
      const jump = page.getByRole("button", { name: "1 new message ↓" });
      await jump.waitFor();
      await jump.click();
      await page.waitForFunction(() => {
        const el = document.querySelector("[data-testid=messages]")!;
        return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      });
      await page.getByRole("button", { name: /new message|Jump to latest/ }).waitFor({
        state: "detached",
      });
      assert.ok(await page.getByTestId("messages").getByText("fresh news").isVisible());
    });
  },
);

browserTest(
  "from the top of a long history of tall messages, the jump to the latest lands at the end",
  async ({ server, browser }) => {
    const { ann, ben, id } = await annAndBen(server, "Tall");
    // Each several lines high: more than the 72 px a message not laid out yet counts as.
    const long = " and then some more words".repeat(30);
    for (let i = 1; i <= 130; i++) {
      await sendMessage(server.ctx.kv, ann.user, {
        conversationId: id,
        content: `line ${i}${long}`,
      });
    }
    const context = await signedInContext(browser, server.base, ben.cookie, {
      viewport: { width: 1000, height: 700 },
    });
    const page = await context.newPage();
    await page.goto(`${server.base}/conversations/${id}`);
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    const messages = page.getByTestId("messages");
    await messages.evaluate((el) => (el.scrollTop = 0));
    await page.locator("li[data-seq='31']").waitFor({ state: "attached" });
    await messages.evaluate((el) => (el.scrollTop = 0));
    await page.locator("li[data-seq='1']").waitFor({ state: "attached" });
    await page.getByRole("button", { name: "Jump to latest ↓" }).click();
    await page.getByRole("button", { name: "Jump to latest ↓" }).waitFor({ state: "detached" });
    // Where the scroll stops (still for 10 frames).
    const gap = await messages.evaluate(async (el) => {
      for (let still = 0, last = -1; still < 10; still = el.scrollTop === last ? still + 1 : 0) {
        last = el.scrollTop;
        await new Promise((done) => requestAnimationFrame(done));
      }
      return el.scrollHeight - el.scrollTop - el.clientHeight;
    });
    assert.ok(gap < 2, `at the end (${gap} px above it)`);
    assert.ok(await messages.getByText("line 130", { exact: false }).isVisible());
  },
);
