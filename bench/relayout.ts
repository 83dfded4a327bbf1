/**
 * What a relayout of the chat room costs once older history is loaded: each tree's app on a
 * copy of the small store (1,000 messages), Chromium at 1280×800 opens the conversation, loads
 * three older pages (200 messages), returns to the end, then changes the list's width ten times
 * (what opening the thread panel or resizing the window does: every laid-out row re-wraps) and
 * times each style and layout. Five visits a tree, interleaved; prints the median and p90.
 *
 *   deno run -A bench/relayout.ts <tree> [other trees…]
 *
 * Make an older tree with `git worktree add $(mktemp -d) <commit>`.
 */
import { lastMessageText, signIn, snapshotApp, startApp } from "./http.ts";
import { ROOT, type Server } from "./process.ts";
import { seededStore } from "./seed.ts";
import { launchChromium, signedInContext } from "../tests/support/browser.ts";
const trees = Deno.args;
const tmp = await Deno.makeTempDir({ prefix: "rl-" });
const seeded = await seededStore(ROOT, { history: 1000, conversations: 0 }, tmp);
const browser = await launchChromium();
const results: Record<string, number[][]> = {};
const targets: { tree: string; server: Server; cookie: string; url: string }[] = [];
for (const [i, tree] of trees.entries()) {
  const dir = `${tmp}/t${i}`;
  await Deno.mkdir(dir);
  const app = await snapshotApp(dir, tree);
  const path = `${dir}/store.kv`;
  await Deno.copyFile(seeded.path, path);
  const server = await startApp(app, path);
  const cookie = await signIn(server.base, seeded.reader, seeded.password);
  await lastMessageText(server.base, cookie, seeded);
  targets.push({
    tree,
    server,
    cookie,
    url: `${server.base}/conversations/${seeded.conversationId}`,
  });
}
for (let round = 0; round < 5; round++) {
  for (const t of targets) {
    const ctx = await signedInContext(browser, t.server.base, t.cookie, {
      viewport: { width: 1280, height: 800 },
    });
    const page = await ctx.newPage();
    await page.goto(t.url);
    await page.locator("[data-island=ChatRoom] [data-joined]").waitFor();
    // Load older pages: 50 → 200 messages.
    for (let k = 0; k < 3; k++) {
      const n = await page.locator("li[data-seq]").count();
      await page.getByTestId("messages").evaluate((el) => (el.scrollTop = 0));
      await page.waitForFunction((n) => document.querySelectorAll("li[data-seq]").length > n, n);
    }
    await page.getByTestId("messages").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(300);
    const times = await page.evaluate(async () => {
      const list = document.querySelector<HTMLElement>("[data-testid=messages]")!;
      const out: number[] = [];
      for (let j = 0; j < 10; j++) {
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
        const t0 = performance.now();
        list.style.paddingRight = j % 2 ? "0px" : "40px"; // a width change: every row re-wraps
        void list.offsetHeight;
        out.push(performance.now() - t0);
      }
      return [document.querySelectorAll("li[data-seq]").length, ...out];
    });
    (results[t.tree] ??= []).push(times);
    await ctx.close();
  }
}
for (const [tree, rows] of Object.entries(results)) {
  const all = rows.flatMap((r) => r.slice(1)).sort((a, b) => a - b);
  console.log(
    tree,
    "rows",
    rows[0][0],
    "median relayout ms",
    all[all.length >> 1].toFixed(2),
    "p90",
    all[Math.floor(all.length * 0.9)].toFixed(2),
  );
}
for (const t of targets) await t.server.stop();
await browser.close();
await Deno.remove(tmp, { recursive: true }).catch(() => {});
