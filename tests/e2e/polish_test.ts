/**
 * Issue 15's polish, in Chromium at 375 and 1280 px, light and dark: the history names each
 * day and gives a message's full date on hover; search results read as plain text, not
 * Markdown. Screenshots in test-output/phone/.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Browser, BrowserContextOptions } from "playwright-core";
import {
  annAndBen,
  browserTest,
  openChatPage,
  type Screen,
  SCREENS,
  screenshotsIn,
} from "../support/browser.ts";
import { createProjectVia, json } from "../support/helpers.ts";

const OUT = screenshotsIn("phone");
const DAY = 86_400_000;

/**
 * Runs `fn` with this process's clock `offset` ms away (the test server runs in it: what it
 * stores then is dated then). Only the clock: everything else is the real server.
 */
async function atOffset<T>(offset: number, fn: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      super(...(args.length === 0 ? [RealDate.now() + offset] : args) as [number]);
    }
    static override now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

function screenName(s: Screen) {
  return `${s.width}-${s.colorScheme}`;
}

function context(s: Screen): BrowserContextOptions {
  return {
    viewport: { width: s.width, height: s.height },
    colorScheme: s.colorScheme,
    timezoneId: "UTC",
  };
}

/** The history's day dividers and its headers' hover texts, as a page shows them. */
async function days(browser: Browser, base: string, cookie: string, path: string, js: boolean) {
  const page = await openChatPage(browser, base, cookie, {
    path,
    context: { ...context(SCREENS[0]), javaScriptEnabled: js },
  });
  const dividers = await page.locator("ol[aria-label=History] > li[data-day]").allInnerTexts();
  const titles = await page.locator("ol[aria-label=History] time[title]").evaluateAll((els) =>
    els.map((e) => e.getAttribute("title"))
  );
  await page.context().close();
  return { dividers: dividers.map((d) => d.trim()), titles };
}

browserTest(
  "the history divides days (Today, Yesterday, a date) and shows a message's full date on hover, with and without JavaScript",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Launch plan");
    const say = (cookie: string, content: string) =>
      server.fetch(`/api/conversations/${id}/messages`, json("POST", { content }, cookie));
    // Three days: before yesterday (two messages, one group), yesterday, today.
    const old = new Date(Date.now() - 3 * DAY);
    await atOffset(-3 * DAY, async () => {
      assert.equal((await say(ann.cookie, "Kick-off notes are in the doc.")).status, 201);
      assert.equal((await say(ann.cookie, "Please read them.")).status, 201);
    });
    await atOffset(-DAY, async () => {
      assert.equal((await say(ben.cookie, "Read them, looks good.")).status, 201);
    });
    // Same author as the last: a new day starts a new group all the same.
    assert.equal((await say(ben.cookie, "Deploying at 5.")).status, 201);

    const weekday = old.toLocaleDateString("en-GB", { weekday: "long", timeZone: "UTC" });
    const date = old.toLocaleDateString("en-GB", {
      day: "numeric",
      month: "long",
      timeZone: "UTC",
    });
    const expected = [`${weekday} ${date}`, "Yesterday", "Today"];
    const full = old.toLocaleString("en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "UTC",
    });
    for (const js of [false, true]) {
      const seen = await days(browser, server.base, ann.cookie, `/conversations/${id}`, js);
      assert.deepEqual(seen.dividers, expected, `dividers, JavaScript ${js ? "on" : "off"}`);
      // Three groups (the day breaks Ben's), and Ann's second message of the first day: each
      // with its full date (the grouped one's beside it, shown on hover).
      assert.equal(seen.titles.length, 4);
      assert.equal(seen.titles[0], full);
      assert.equal(seen.titles[1]?.slice(0, 11), full.slice(0, 11));
    }
    for (const s of SCREENS) {
      await t.step(screenName(s), async () => {
        const page = await openChatPage(browser, server.base, ann.cookie, {
          path: `/conversations/${id}`,
          context: context(s),
        });
        const dividers = page.locator("li[data-day]");
        assert.equal(await dividers.count(), 3);
        for (let i = 0; i < 3; i++) assert.ok(await dividers.nth(i).isVisible());
        // A grouped message's time shows on hover.
        const clock = page.locator("li[data-seq='2'] time[title]");
        assert.equal(await clock.isVisible(), false);
        await page.locator("li[data-seq='2']").hover();
        assert.ok(await clock.isVisible(), "the grouped message's time on hover");
        await page.screenshot({ path: `${OUT}days-${screenName(s)}.png` });
        await page.context().close();
      });
    }
  },
);

browserTest(
  "the days follow the reader's time zone once the page is live, each divider its own element",
  async ({ server, browser }) => {
    const { ann, ben, id } = await annAndBen(server, "Night shift");
    // 23:30 and 00:30 UTC around the last midnight (UTC) that is over an hour past: two days
    // in UTC, one in Tokyo (08:30 and 09:30) and one in Los Angeles (the afternoon before).
    const midnight = Math.floor((Date.now() - 3_600_000) / DAY) * DAY;
    const times = [midnight - 1_800_000, midnight + 1_800_000];
    for (const [i, at] of times.entries()) {
      await atOffset(at - Date.now(), async () => {
        const res = await server.fetch(
          `/api/conversations/${id}/messages`,
          json("POST", { content: `Shift note ${i + 1}` }, (i ? ben : ann).cookie),
        );
        assert.equal(res.status, 201);
      });
    }
    for (const timezoneId of ["UTC", "Asia/Tokyo", "America/Los_Angeles"]) {
      const inZone = (t: number, options: Intl.DateTimeFormatOptions) =>
        new Date(t).toLocaleDateString("en-GB", { timeZone: timezoneId, ...options });
      const dayOf = (t: number) =>
        new Date(t).toLocaleDateString("en-CA", { timeZone: timezoneId });
      const today = dayOf(Date.now());
      const yesterday = dayOf(Date.now() - DAY);
      const expected = [...new Set(times.map(dayOf))].map((day) => {
        const t = times.find((x) => dayOf(x) === day)!;
        const label = day === today
          ? "Today"
          : day === yesterday
          ? "Yesterday"
          : `${inZone(t, { weekday: "long" })} ${inZone(t, { day: "numeric", month: "long" })}`;
        return `${day} ${label}`;
      });
      const page = await openChatPage(browser, server.base, ann.cookie, {
        path: `/conversations/${id}`,
        context: { ...context(SCREENS[2]), timezoneId },
      });
      // Each row is a divider (with its day) or a message (with its seq), never half of both.
      const rows = await page.locator("ol[aria-label=History] > li:not([data-new-messages])")
        .evaluateAll((lis) =>
          lis.map((li) => ({
            day: li.getAttribute("data-day"),
            seq: li.getAttribute("data-seq"),
            text: (li as HTMLElement).innerText.trim(),
          }))
        );
      await page.context().close();
      const dividers = rows.filter((r) => r.day !== null);
      assert.deepEqual(dividers.map((r) => `${r.day} ${r.text}`), expected, timezoneId);
      assert.equal(rows.filter((r) => r.seq !== null).length, 2, timezoneId);
      assert.equal(rows.length, expected.length + 2, `${timezoneId}: ${JSON.stringify(rows)}`);
    }
  },
);

browserTest(
  "a message still being sent after yesterday's history is under Today, once, before and after it is stored",
  async ({ server, browser }) => {
    const { ann, ben, id } = await annAndBen(server, "Launch plan");
    await atOffset(-DAY, async () => {
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "See you tomorrow." }, ben.cookie),
      );
      assert.equal(res.status, 201);
    });
    const page = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${id}`,
      context: context(SCREENS[1]),
    });
    const rows = () =>
      page.locator("ol[aria-label=History] > li:not([data-new-messages])").evaluateAll((lis) =>
        lis.map((li) =>
          li.hasAttribute("data-day")
            ? `day ${(li as HTMLElement).innerText.trim()}`
            : li.hasAttribute("data-pending")
            ? "pending"
            : `seq ${li.getAttribute("data-seq")}`
        )
      );
    await page.context().setOffline(true);
    await page.getByText("Offline, retrying…").waitFor();
    await page.locator("#composer").fill("Morning!");
    await page.locator("#composer").press("Enter");
    await page.locator("li[data-pending]").waitFor();
    assert.deepEqual(await rows(), ["day Yesterday", "seq 1", "day Today", "pending"]);
    await page.screenshot({ path: `${OUT}pending-today-375-dark.png` });
    await page.context().setOffline(false);
    await page.locator("li[data-seq='2']").waitFor();
    assert.deepEqual(await rows(), ["day Yesterday", "seq 1", "day Today", "seq 2"]);
    await page.context().close();
  },
);

browserTest(
  "search results show what messages say, not their Markdown",
  async ({ server, browser }, t) => {
    const { ann, id } = await annAndBen(server, "Launch plan");
    const res = await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", {
        content: "The **release notes** are _done_:\n- `deno task ok`\n- [docs](https://deno.com)",
      }, ann.cookie),
    );
    assert.equal(res.status, 201);
    for (const s of SCREENS) {
      await t.step(screenName(s), async () => {
        const page = await (await browser.newContext(context(s))).newPage();
        const [name, value] = ann.cookie.split("=");
        await page.context().addCookies([{ name, value, url: server.base }]);
        await page.goto(`${server.base}/search?q=release`);
        const result = page.locator("ol[aria-label=Results] li").first();
        await result.waitFor();
        const text = await result.innerText();
        assert.match(text, /The release notes are done: deno task ok docs/);
        assert.doesNotMatch(text, /\*\*|`|\]\(|\n- /);
        await page.screenshot({ path: `${OUT}search-snippet-${screenName(s)}.png` });
        await page.context().close();
      });
    }
  },
);

browserTest(
  "an upload's label and its bar say the same percentage all along, and 100% only once stored",
  async ({ server, browser }, t) => {
    const { ann } = await annAndBen(server);
    const project = await createProjectVia(server, ann.cookie, {
      name: "Website",
      description: "The new site",
    });
    for (const s of [SCREENS[0], SCREENS[3]]) {
      await t.step(screenName(s), async () => {
        const page = await openChatPage(browser, server.base, ann.cookie, {
          path: `/projects/${project.id}`,
          context: context(s),
        });
        await page.locator("[data-island=FileManager][data-hydrated]").waitFor();
        // A slow line, so the upload takes a few seconds of progress events.
        const cdp = await page.context().newCDPSession(page);
        await cdp.send("Network.emulateNetworkConditions", {
          offline: false,
          latency: 20,
          downloadThroughput: -1,
          uploadThroughput: 1_000_000,
        });
        // Every frame: each row's label and how much of its track the bar fills (in %).
        await page.evaluate(() => {
          const w = globalThis as unknown as { samples: [string, number][] };
          w.samples = [];
          const tick = () => {
            for (const bar of document.querySelectorAll("[role=progressbar]")) {
              const label = bar.closest("li")?.querySelector("span.text-xs")?.textContent ?? "";
              const fill = (bar.firstElementChild as HTMLElement).getBoundingClientRect().width;
              w.samples.push([label, (fill / bar.getBoundingClientRect().width) * 100]);
            }
            requestAnimationFrame(tick);
          };
          tick();
        });
        const name = `big-${s.width}.bin`;
        await page.locator("[data-island=FileManager] input[type=file]").setInputFiles({
          name,
          mimeType: "application/octet-stream",
          buffer: Buffer.alloc(2_500_000, "x"),
        });
        await page.locator("[role=progressbar]").waitFor();
        await page.screenshot({ path: `${OUT}upload-${screenName(s)}.png` });
        await page.getByRole("link", { name }).waitFor({ timeout: 30_000 });
        const samples = await page.evaluate(() =>
          (globalThis as unknown as { samples: [string, number][] }).samples
        );
        const shown = samples.filter(([label]) => /^\d+%$/.test(label));
        const between = shown.filter(([label]) => parseInt(label) > 5 && parseInt(label) < 95);
        assert.ok(between.length > 10, `progress seen (${between.length} frames)`);
        // The row goes once the file is stored: 100% before then would be a promise.
        assert.ok(!shown.some(([label]) => label === "100%"), "100% while still uploading");
        const apart = shown.filter(([label, fill]) => Math.abs(parseInt(label) - fill) > 1.5);
        assert.deepEqual(apart.slice(0, 5), [], `${apart.length} of ${shown.length} frames apart`);
        await page.context().close();
      });
    }
  },
);
