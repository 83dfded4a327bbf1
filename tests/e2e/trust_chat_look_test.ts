/**
 * The chat page's states of issue 15 at 1280 and 375 px, light and dark: offline with your
 * messages waiting, one not sent, read-only after a removal, and without JavaScript. Each is a
 * screenshot in test-output/trust-chat/ (to look at), is no wider than the screen, shows what
 * it says in view, and (with JavaScript) has no serious or critical axe violation.
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { browserTest, signedInContext } from "../support/browser.ts";
import { json, okJson, registerUser } from "../support/helpers.ts";

const OUT = new URL("../../test-output/trust-chat/", import.meta.url).pathname;
const SIZES = [{ width: 1280, height: 800 }, { width: 375, height: 812 }] as const;
const THEMES = ["light", "dark"] as const;

/** `shown` is on the screen, whole. */
async function inView(page: Page, name: string, shown: string) {
  const target = page.locator(shown).first();
  await target.waitFor();
  const box = (await target.boundingBox())!;
  const view = page.viewportSize()!;
  assert.ok(
    box.x >= 0 && box.y >= 0 && box.x + box.width <= view.width + 1 &&
      box.y + box.height <= view.height + 1,
    `${name}: ${shown} is out of view (${JSON.stringify(box)})`,
  );
}

/** Takes the screenshot and checks the page: no sideways scroll, `shown` in view, axe. */
async function look(page: Page, name: string, shown: string, axe = true) {
  await page.screenshot({ path: `${OUT}${name}.png` });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(wide <= 0, `${name}: ${wide}px wider than the screen`);
  await inView(page, name, shown);
  // axe runs as a script in the page (its timers do not run with JavaScript off).
  if (!axe) return;
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `${name}: axe`,
  );
}

browserTest("the chat page's trust states at 1280 and 375 px, light and dark", async ({
  server,
  browser,
}) => {
  await Deno.mkdir(OUT, { recursive: true });
  const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
  const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
  const post = async (cookie: string, id: string, content: string) =>
    await okJson(
      await server.fetch(`/api/conversations/${id}/messages`, json("POST", { content }, cookie)),
      201,
    );
  let n = 0;
  for (const size of SIZES) {
    for (const colorScheme of THEMES) {
      const tag = `${size.width}-${colorScheme}`;
      // Ben's project, Ann a member (she is who looks, and who is removed at the end).
      const { project } = await okJson(
        await server.fetch("/api/projects", json("POST", { name: `Launch ${++n}` }, ben.cookie)),
        201,
      );
      await okJson(
        await server.fetch(
          `/api/projects/${project.id}/members`,
          json("POST", { username: "ann" }, ben.cookie),
        ),
        201,
      );
      const conv: string = project.conversationId;
      for (let i = 1; i <= 12; i++) {
        await post(i % 3 === 1 ? ann.cookie : ben.cookie, conv, `Note ${i}: the plan for the week`);
      }
      const options = { viewport: size, colorScheme };

      // Without JavaScript: at the newest message, nothing about a socket.
      const still = await signedInContext(browser, server.base, ann.cookie, {
        ...options,
        javaScriptEnabled: false,
      });
      const plain = await still.newPage();
      await plain.goto(`${server.base}/projects/${project.id}`);
      await look(plain, `${tag}-no-javascript`, "li[data-seq='12']", false);
      assert.equal(await plain.locator("header [role=status]").count(), 0);
      await still.close();

      const context = await signedInContext(browser, server.base, ann.cookie, options);
      const page = await context.newPage();
      await page.goto(`${server.base}/projects/${project.id}`);
      await page.getByText("Live", { exact: true }).waitFor();

      // Offline, two of Ann's messages waiting after Ben's: hers, with her name.
      await context.setOffline(true);
      await page.getByText("Offline, retrying…").waitFor();
      for (const text of ["on my way", "five minutes"]) {
        await page.locator("#composer").fill(text);
        await page.locator("#composer").press("Enter");
      }
      await page.locator("li[data-pending]").nth(1).waitFor();
      await look(page, `${tag}-offline-pending`, "li[data-pending] .msg-name");
      await inView(page, `${tag}-offline`, "header [role=status]");
      await context.setOffline(false);
      await page.getByText("Live", { exact: true }).waitFor();
      await page.locator("li[data-seq='14']").waitFor();

      // Not sent (its file was deleted first), after Ben's newer message.
      await post(ben.cookie, conv, "see you there");
      await page.locator("li[data-seq='15']").waitFor();
      await page.locator("[data-island=ChatRoom] form input[type=file]").setInputFiles({
        name: "plan.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("the plan"),
      });
      await page.getByRole("button", { name: "Remove" }).waitFor();
      const { files } = await okJson(
        await server.fetch(`/api/conversations/${conv}/files`, { headers: { cookie: ann.cookie } }),
      );
      const gone = await server.fetch(
        `/api/conversations/${conv}/files/${files[0].id}`,
        json("DELETE", undefined, ann.cookie),
      );
      assert.ok(gone.ok);
      await page.locator("#composer").fill("the plan, attached");
      await page.locator("#composer").press("Enter");
      await look(page, `${tag}-not-sent`, "li[data-pending='failed'] .msg-name");

      // Removed while offline with one more waiting: read-only, and it says what was dropped.
      await context.setOffline(true);
      await page.getByText("Offline, retrying…").waitFor();
      await page.locator("#composer").fill("one more");
      await page.locator("#composer").press("Enter");
      const res = await server.fetch(
        `/api/projects/${project.id}/members/${ann.user.id}`,
        json("DELETE", undefined, ben.cookie),
      );
      assert.equal(res.status, 204);
      await context.setOffline(false);
      await page.getByText("Read only").waitFor();
      await look(page, `${tag}-read-only`, "[data-testid=read-only]");
      await inView(page, `${tag}-read-only`, "header [role=status]");
      await context.close();
    }
  }
});
