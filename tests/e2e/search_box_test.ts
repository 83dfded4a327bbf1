/**
 * The search box and page in Chromium: suggestions as you type (operators, people for
 * `from:`, your conversations for `in:`), picked with the keyboard alone; a query with
 * operators finds the right messages, marked; "Older results" pages to the end, every
 * result once; the page without JavaScript (results, the Older link, a refused query).
 */
import assert from "node:assert/strict";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { SearchPage, withMarks } from "../../routes/search.tsx";
import {
  annAndBen,
  browserTest,
  forEachScreen,
  screenshotsIn,
  signedInContext,
} from "../support/browser.ts";
import { createConversationVia, json, registerUser } from "../support/helpers.ts";

Deno.test("withMarks: ranges as <mark>, sorted, overlaps marked once, clamped to the text", () => {
  const html = (text: string, marks: [number, number][]) =>
    renderToString(h("p", null, withMarks(text, marks))).replace(/ class="[^"]*"/g, "");
  assert.equal(
    html("café au lait", [[8, 12], [0, 4]]),
    "<p><mark>café</mark> au <mark>lait</mark></p>",
  );
  assert.equal(html("abcdef", [[1, 4], [2, 5]]), "<p>a<mark>bcd</mark><mark>e</mark>f</p>");
  assert.equal(html("abc", [[2, 99], [5, 7], [1, 1]]), "<p>ab<mark>c</mark></p>");
  assert.equal(html("<b>x</b>", [[3, 4]]), "<p>&lt;b><mark>x</mark>&lt;/b></p>");
});

Deno.test("the search page says a partial answer, a refusal, and links older and newest", () => {
  const me = { id: "u1", username: "ann", displayName: "Ann Lee" };
  const page = (props: Partial<Parameters<typeof SearchPage>[0]>) =>
    renderToString(h(SearchPage, { me, query: "budget", found: null, ...props }));
  const partial = page({ found: { results: [], nextCursor: "c2", partial: true } });
  assert.match(partial, /data-testid="search-partial"[^>]*>This search had too much/);
  assert.match(partial, /href="\/search\?q=budget&amp;cursor=c2"[^>]*>Older results/);
  assert.doesNotMatch(partial, /Newest results/);
  const older = page({
    found: { results: [], nextCursor: null, partial: false },
    older: true,
    tz: 60,
  });
  assert.match(older, /No older messages match/);
  assert.match(older, /href="\/search\?q=budget&amp;tz=60"[^>]*>Newest results/);
  assert.match(older, /<input type="hidden" name="tz" value="60"/);
  assert.doesNotMatch(older, /Older results|search-partial/);
  const refused = page({ notice: "Nobody is called @zed" });
  assert.match(refused, /role="alert"[^>]*>Nobody is called @zed/);
  assert.doesNotMatch(refused, /<details[^>]* open/, "tips closed when something is said");
});

/** Serious and critical axe findings on the page, as lines. */
async function axeProblems(page: Page, what: string): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).analyze();
  return axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${what}: ${v.id} at ${v.nodes.slice(0, 3).map((n) => n.target).join(" | ")}`);
}

/** The visible options of the listbox under `field`, as their inserted text. */
async function options(page: Page, field: string): Promise<string[]> {
  const list = page.locator(`#${field}-suggestions`);
  await list.waitFor({ state: "visible" });
  return await list.locator("[role=option]").evaluateAll((els) =>
    els.map((el) => (el as HTMLElement).dataset.insert ?? "")
  );
}

/** The result links on the page, as the seqs they open. */
async function resultSeqs(page: Page): Promise<number[]> {
  return await page.getByTestId("search-result").evaluateAll((els) =>
    els.map((a) => Number((a as HTMLAnchorElement).hash.slice(2)))
  );
}

browserTest(
  "search box suggestions, operators that find, paging to the end",
  async ({ server, browser }, t) => {
    const { ann, ben, id: direct } = await annAndBen(server);
    const eve = await registerUser(server, { username: "eve", displayName: "Eve Stone" });
    const release = await createConversationVia(
      server,
      ann.cookie,
      [ben.user, eve.user],
      "Release plans",
    );
    const made = await server.fetch(
      "/api/conversations",
      json("POST", { kind: "channel", title: "launch" }, ann.cookie),
    );
    assert.equal(made.status, 201);
    const launch = (await made.json()).conversation.id;
    const hidden = await createConversationVia(server, eve.cookie, [ben.user], "Eve and Ben");
    const post = async (cookie: string, id: string, content: string) => {
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content }, cookie),
      );
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()).message.seq as number;
    };
    await post(ben.cookie, direct, "the budget is ready");
    await post(ann.cookie, direct, "budget looks fine");
    const wanted = await post(ben.cookie, release, "Budget for the release, see the sheet");
    await post(eve.cookie, release, "budget numbers from Eve");
    await post(ann.cookie, launch, "launch budget");
    await post(ben.cookie, hidden, "budget Ann must not see");
    const zebras: number[] = [];
    for (let i = 1; i <= 60; i++) {
      zebras.push(await post(i % 2 ? ben.cookie : ann.cookie, direct, `zebra note ${i}`));
    }

    const context = await signedInContext(browser, server.base, ann.cookie, {
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const shots = screenshotsIn("search_box");
    const field = page.locator("#search-page-q");

    await t.step("typing suggests operators, then people, then conversations", async () => {
      await page.goto(`${server.base}/search`);
      await page.locator("[data-island=SearchBox][data-hydrated]").first().waitFor();
      await field.click();
      await field.pressSequentially("fr");
      assert.deepEqual(await options(page, "search-page-q"), ["from:"]);
      assert.equal(await field.getAttribute("aria-expanded"), "true");
      // Tab puts the (first) suggestion in; people for `from:` follow at once.
      await field.press("Tab");
      assert.equal(await field.inputValue(), "from:");
      const people = await options(page, "search-page-q");
      assert.equal(people[0], "from:me");
      assert.deepEqual(new Set(people.slice(1)), new Set(["from:ben", "from:eve"]));
      await field.pressSequentially("b");
      await page.waitForFunction(() =>
        document.querySelectorAll("#search-page-q-suggestions [role=option]").length === 1
      );
      assert.deepEqual(await options(page, "search-page-q"), ["from:ben"]);
      // Arrows choose, Enter takes the choice (and does not search).
      await field.press("ArrowDown");
      assert.equal(
        await field.getAttribute("aria-activedescendant"),
        "search-page-q-suggestions-0",
      );
      await field.press("Enter");
      assert.equal(await field.inputValue(), "from:ben ");
      assert.equal(new URL(page.url()).pathname, "/search");
      assert.equal(new URL(page.url()).search, "");

      await field.pressSequentially("in:");
      const places = await options(page, "search-page-q");
      assert.deepEqual(
        new Set(places),
        new Set(["in:@ben", 'in:"Release plans"', "in:#launch"]),
        "Ann's conversations, not Eve and Ben's",
      );
      await forEachScreen(
        page,
        (s) => page.screenshot({ path: `${shots}suggestions-${s.width}-${s.colorScheme}.png` }),
      );
      await page.setViewportSize({ width: 1280, height: 800 });
      const problems = await axeProblems(page, "suggestions open, dark");
      await page.emulateMedia({ colorScheme: "light" });
      problems.push(...await axeProblems(page, "suggestions open, light"));
      assert.deepEqual(problems, []);
      await page.locator("#search-page-q-suggestions [role=option]", { hasText: "Release plans" })
        .waitFor();
      // Down to "Release plans" and take it.
      for (let i = 0; i <= places.indexOf('in:"Release plans"'); i++) {
        await field.press("ArrowDown");
      }
      await field.press("Enter");
      assert.equal(await field.inputValue(), 'from:ben in:"Release plans" ');

      // Escape closes a list; the text stays.
      await field.pressSequentially("h");
      assert.deepEqual(await options(page, "search-page-q"), ["has:"]);
      await field.press("Escape");
      await page.locator("#search-page-q-suggestions").waitFor({ state: "hidden" });
      assert.equal(await field.getAttribute("aria-expanded"), "false");
      await field.press("Backspace");
      assert.equal(await field.inputValue(), 'from:ben in:"Release plans" ');
    });

    await t.step("a query with operators finds the right message, marked", async () => {
      await field.pressSequentially("budget");
      await field.press("Enter");
      await page.waitForURL((u) =>
        u.searchParams.get("q") === 'from:ben in:"Release plans" budget'
      );
      assert.deepEqual(await resultSeqs(page), [wanted]);
      const result = page.getByTestId("search-result");
      assert.match(await result.innerText(), /Ben Ode\s+in Release plans/);
      assert.deepEqual(await result.locator("mark").allInnerTexts(), ["Budget"]);
      const problems: string[] = [];
      await forEachScreen(page, async (s) => {
        await page.screenshot({ path: `${shots}results-${s.width}-${s.colorScheme}.png` });
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        if (overflow > 1) problems.push(`${s.width}: ${overflow}px too wide`);
        problems.push(...await axeProblems(page, `results ${s.width} ${s.colorScheme}`));
      });
      assert.deepEqual(problems, []);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: "light" });
    });

    await t.step("the sidebar's box suggests too, and searches", async () => {
      const side = page.locator("#sidebar-search");
      await side.fill("");
      await side.pressSequentially("in:la");
      assert.deepEqual(await options(page, "sidebar-search"), ["in:#launch"]);
      await side.press("Tab");
      assert.equal(await side.inputValue(), "in:#launch ");
      await side.press("Enter");
      await page.waitForURL((u) => u.searchParams.get("q")?.trim() === "in:#launch");
      assert.equal((await resultSeqs(page)).length, 1);
    });

    await t.step("Older results pages to the end: every result once, newest first", async () => {
      await page.goto(`${server.base}/search?q=zebra`);
      const first = await resultSeqs(page);
      assert.equal(first.length, 50);
      await page.getByRole("link", { name: "Older results" }).click();
      await page.waitForURL((u) => u.searchParams.has("cursor"));
      const second = await resultSeqs(page);
      assert.deepEqual([...first, ...second], [...zebras].reverse());
      assert.equal(await page.getByRole("link", { name: "Older results" }).count(), 0);
      await page.getByRole("link", { name: "Newest results" }).waitFor();
    });
    assert.deepEqual(errors, []);
  },
);

browserTest(
  "the search page without JavaScript: results, Older link, refusals",
  async ({ server, browser }, t) => {
    const { ann, id } = await annAndBen(server);
    for (let i = 1; i <= 55; i++) {
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: `Café order ${i}` }, ann.cookie),
      );
      assert.equal(res.status, 201);
    }
    const context = await signedInContext(browser, server.base, ann.cookie, {
      javaScriptEnabled: false,
      viewport: { width: 375, height: 812 },
    });
    const page = await context.newPage();

    await t.step(
      "typing and submitting the form searches; Older results is a plain link",
      async () => {
        await page.goto(`${server.base}/search`);
        assert.equal(await page.getByTestId("search-tips").getAttribute("open"), "");
        await page.screenshot({ path: `${screenshotsIn("search_box")}tips-375-light.png` });
        await page.locator("#search-page-q").fill("cafe from:me");
        await page.locator("#search-page-q").press("Enter");
        await page.waitForURL((u) => u.searchParams.get("q") === "cafe from:me");
        assert.equal(await page.getByTestId("search-result").count(), 50);
        assert.deepEqual(
          await page.getByTestId("search-result").first().locator("mark").allInnerTexts(),
          ["Café"],
        );
        await page.getByRole("link", { name: "Older results" }).click();
        await page.waitForURL((u) => u.searchParams.has("cursor"));
        assert.equal(await page.getByTestId("search-result").count(), 5);
        assert.match(await page.getByRole("heading").first().innerText(), /5 older messages for/);
        await forEachScreen(page, (s) =>
          page.screenshot({
            path: `${screenshotsIn("search_box")}nojs-${s.width}-${s.colorScheme}.png`,
          }));
      },
    );

    await t.step("a refused query says why, answered 400", async () => {
      const res = await page.goto(`${server.base}/search?q=${encodeURIComponent("before:soon")}`);
      assert.equal(res?.status(), 400);
      assert.match(await page.getByTestId("search-notice").innerText(), /before: takes a date/);
      const bad = await page.goto(`${server.base}/search?q=cafe&cursor=nonsense`);
      assert.equal(bad?.status(), 400);
      assert.match(await page.getByTestId("search-notice").innerText(), /no longer works/);
      const tz = await page.goto(`${server.base}/search?q=cafe&tz=abc`);
      assert.equal(tz?.status(), 400);
      assert.match(await page.getByTestId("search-notice").innerText(), /offset from UTC/);
    });
  },
);
