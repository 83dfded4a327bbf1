/**
 * Issue 5: cross-site scripting. A corpus of payloads goes through every field a user controls,
 * by the real HTTP and WebSocket API (and the browser's own composer and file picker), and every
 * page that shows it is rendered in Chromium as someone who sees the data, server-rendered and
 * live in the islands. Nothing may run (no marker, no dialog), no CSP violation may happen (an
 * injected inline script would be blocked by the CSP and reported), no markup may come out of
 * the data (a scan of the DOM), and the text must still be there, as text.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { safeNext } from "../../routes/_request.ts";
import { EARLY_SOCKET_SCRIPT } from "../../routes/_early_socket.ts";
import { launchChromium } from "../support/browser.ts";
import { json, registerUser, startTestServer, uploadInit } from "../support/helpers.ts";
import { cleanFileName, cleanName, shownDisplayName } from "../../lib/shared/names.ts";
import { Client, DenoWebSocket } from "../support/ws_client.ts";

/** What a payload does if it ever runs: sets the marker (or opens a dialog, for `alert`). */
const RUN = "top.__xss=1";

/** The corpus. Each one, were it markup or script, would set `__xss` or call `alert`. */
const PAYLOADS: string[] = [
  `<script>${RUN}</script>`,
  `<script src="data:text/javascript,${RUN}"></script>`,
  `<img src=x onerror="${RUN}">`,
  `<img src=x onerror=alert(1)>`,
  `<svg onload=${RUN}>`,
  `<svg><script>${RUN}</script></svg>`,
  `<svg><animate onbegin=${RUN} attributeName=x dur=1s>`,
  `" autofocus onfocus="${RUN}" x="`,
  `' autofocus onfocus='${RUN}' x='`,
  `"><input autofocus onfocus=${RUN}>`,
  `<details open ontoggle=${RUN}>`,
  `javascript:${RUN}`,
  `[click me](javascript:${RUN})`,
  `![x](javascript:alert(1))`,
  `<a href="javascript:${RUN}">link</a>`,
  `</script><script>${RUN}</script>`,
  `"}]}'></div><script>${RUN}</script>`,
  `--><script>${RUN}</script><!--`,
  `<!--<script>${RUN}</script>`,
  `</title><script>${RUN}</script>`,
  `</textarea><script>${RUN}</script>`,
  `</noscript><img src=x onerror=${RUN}>`,
  `<iframe srcdoc="<script>${RUN}</script>"></iframe>`,
  `<object data="javascript:${RUN}"></object><embed src="javascript:${RUN}">`,
  `<base href="//evil.invalid/"><meta http-equiv="refresh" content="0;url=javascript:${RUN}">`,
  `<style>*{background:url(//evil.invalid/x)}</style>`,
  `<div style="background:url(javascript:${RUN})">css</div>`,
  `</style><script>${RUN}</script>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=${RUN}>`,
  `{{constructor.constructor('${RUN}')()}}`,
  `\${${RUN}} #{${RUN}} <%= ${RUN} %>`,
  `&lt;script&gt;${RUN}&lt;/script&gt; &#60;img src=x onerror=${RUN}&#62; &quot;`,
  `line\u2028sep\u2029para</script><script>${RUN}</script>`,
  `admin\u202Etxt.exe \u2066isolated\u2069 <b>bold</b>`,
  `\uFF1Cscript\uFF1E${RUN}\uFF1C/script\uFF1E`,
  `<scr\u200Bipt>${RUN}</scr\u200Bipt> zero\u200C\u200D\u2060width a\uFEFFb`,
  `lone \uD800 surrogate \uDFFF<img src=x onerror=${RUN}>`,
  `line1\r\nSet-Cookie: x=1\r\n<script>${RUN}</script>`,
  `emoji 👩‍💻 <img src=x onerror=${RUN}> 🎉`,
  `<img src=x onerror=${RUN}>`.repeat(200),
];

/** Field limits (the API's): each value is clipped to fit, so what is stored is what was sent. */
const MAX = {
  displayName: 64,
  title: 100,
  projectName: 80,
  description: 500,
  content: 4000,
  fileName: 200,
};

/** At most `n` UTF-16 units, never splitting a character, then trimmed (as the API trims). */
function clip(s: string, n: number): string {
  let out = "";
  for (const ch of s) {
    if (out.length + ch.length > n) break;
    out += ch;
  }
  return out.trim();
}

/** A query or path component (a URL cannot carry a lone surrogate: it becomes U+FFFD). */
function q(s: string): string {
  return encodeURIComponent(s.toWellFormed());
}

/** How text compares on a page: lone surrogates arrive as U+FFFD, white space collapses. */
function norm(s: string): string {
  return s.toWellFormed().replace(/\s+/g, " ").trim();
}

/** Where pages show what: the history, the sidebar's list, a project's files. */
const MESSAGES = "[data-testid=messages]";
const SIDEBAR = "nav[aria-label=Conversations]";
const FILES = "ul[aria-label='Project files']";

const PASSWORD = "Hearth xss test: lantern quartz 7391";

/**
 * Collects, in every page: CSP violations, and a scan for markup that could only have come from
 * data (event handler attributes, scripts that are not our bundles, frames, styles, foreign
 * links and images, `javascript:` and `data:` URLs).
 */
const INIT_SCRIPT = `
window.__csp = [];
addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
}, true);
window.__scanDom = () => {
  const bad = [];
  const url = /^\\s*(javascript|vbscript|data):/i;
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    for (const { name, value } of el.attributes) {
      if (/^on/i.test(name)) bad.push("<" + tag + " " + name + ">");
      if (/^(href|src|action|formaction|data|xlink:href|background|poster)$/i.test(name) && url.test(value)) {
        bad.push("<" + tag + " " + name + "=" + value.slice(0, 40) + ">");
      }
      if (name === "srcdoc") bad.push("<" + tag + " srcdoc>");
      if (name === "style" && !el.closest("[role=progressbar]")) bad.push("<" + tag + " style>");
    }
    const src = el.getAttribute("src") || "";
    // The one inline script allowed is the early socket's constant, in the head (by its hash).
    const ours = src === ""
      ? el.parentElement === document.head && el.textContent === ${
  JSON.stringify(EARLY_SOCKET_SCRIPT)
}
      : src.startsWith("/assets/") || src === "/static/theme.js" || src === "/static/sw_register.js";
    if (tag === "script" && !ours) bad.push("<script src=" + src.slice(0, 40) + ">");
    if (["iframe", "frame", "frameset", "object", "embed", "base", "applet", "template", "style",
      "math", "foreignobject", "animate", "set", "image"].includes(tag)) bad.push("<" + tag + ">");
    // The icon sprite: <use> only ever points at a symbol of this page (#id), nothing else.
    if (tag === "use" && !/^#[\\w-]+$/.test(el.getAttribute("href") || el.getAttribute("xlink:href") || "")) {
      bad.push("<use href=" + (el.getAttribute("href") || "").slice(0, 40) + ">");
    }
    if (tag === "meta" && el.hasAttribute("http-equiv")) bad.push("<meta http-equiv>");
    if (tag === "link" && !["stylesheet", "icon", "modulepreload", "manifest", "apple-touch-icon"].includes(el.rel)) bad.push("<link " + el.rel + ">");
    if (tag === "img" && !/^\\/(api|static)\\//.test(src)) bad.push("<img src=" + src.slice(0, 40) + ">");
    // Ours are same-site paths; message Markdown may link out, but only to http(s) and mailto.
    if (tag === "a" && el.hasAttribute("href") && !/^(\\/(?!\\/)|https?:\\/\\/|mailto:)/i.test(el.getAttribute("href"))) {
      bad.push("<a href=" + el.getAttribute("href").slice(0, 40) + ">");
    }
    // Same-site paths, or a message of this page (#m<seq>: the no-JS toolbar's GET form).
    if (tag === "form" && el.hasAttribute("action") && !/^(\\/(?!\\/)|#m\\d+$)/.test(el.getAttribute("action"))) {
      bad.push("<form action=" + el.getAttribute("action").slice(0, 40) + ">");
    }
  }
  return bad;
};
`;

type Problems = string[];

/** Listens to a page for everything that would mean a payload ran or the CSP was hit. */
function watch(page: Page, problems: Problems, who: string): Page {
  const url = () => page.url().slice(0, 120);
  page.on("dialog", (d) => {
    problems.push(`${who} ${url()}: a ${d.type()} dialog opened: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on("console", (m) => {
    // A 404 or 400 page is expected here; any other console error is not.
    if (
      (m.type() === "error" && !m.text().startsWith("Failed to load resource")) ||
      /content.security.policy|refused to/i.test(m.text())
    ) {
      problems.push(`${who} ${url()}: console: ${m.text().slice(0, 200)}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`${who} ${url()}: page error: ${e.message}`));
  return page;
}

async function newContext(browser: Browser, base: string, cookie?: string) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  await context.addInitScript({ content: INIT_SCRIPT });
  if (cookie) {
    const [name, value] = cookie.split("=");
    await context.addCookies([{ name, value, url: base }]);
  }
  return context;
}

/** Waits until every island on the page has hydrated (a broken props payload never does). */
async function hydrated(page: Page, problems: Problems) {
  try {
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLElement>("[data-island]")].every((el) =>
          el.dataset.hydrated === "true"
        ),
      null,
      { timeout: 15_000 },
    );
  } catch {
    problems.push(`${page.url().slice(0, 120)}: not every island hydrated`);
  }
}

type Expect = {
  /** Texts that must be visible (compared after `norm`) in the body. */
  texts?: string[];
  /** Texts that must be visible inside the element a CSS selector names. */
  within?: Record<string, string[]>;
  /** The document title must contain this. */
  title?: string;
  /** Form controls (by CSS selector) and the value each must hold. */
  values?: Record<string, string>;
  status?: number;
  /** Loads the sidebar's older conversations first (it shows the newest 20, then more on demand). */
  wholeSidebar?: boolean;
};

/** Checks the page as it is now: nothing ran, nothing was injected, the texts are there. */
async function inspect(page: Page, problems: Problems, expect: Expect = {}) {
  const where = page.url().slice(0, 120);
  const within = { body: expect.texts ?? [], ...expect.within };
  const seen = await page.evaluate(([selectors, scopes]) => {
    const w = window as unknown as { __xss?: unknown; __csp: string[]; __scanDom(): string[] };
    const values: Record<string, string | null> = {};
    for (const s of selectors) {
      values[s] = document.querySelector<HTMLInputElement>(s)?.value ?? null;
    }
    const dom = w.__scanDom?.() ?? ["the init script did not run"];
    // The text as it shows once scrolled to: messages far from the end are not rendered until
    // then (content-visibility: auto), and innerText leaves out what is not rendered. They
    // render for the reading (after the scan above, which would report the style attribute).
    const skipped = [...document.querySelectorAll<HTMLElement>("li.msg:not([style])")];
    for (const li of skipped) li.style.contentVisibility = "visible";
    const texts: Record<string, string | null> = {};
    for (const s of scopes) texts[s] = document.querySelector<HTMLElement>(s)?.innerText ?? null;
    for (const li of skipped) li.removeAttribute("style");
    return {
      xss: w.__xss ?? null,
      csp: w.__csp ?? ["the init script did not run"],
      dom,
      texts,
      title: document.title,
      values,
    };
  }, [Object.keys(expect.values ?? {}), Object.keys(within)]);
  if (seen.xss !== null) problems.push(`${where}: a payload ran (__xss = ${seen.xss})`);
  for (const v of seen.csp) problems.push(`${where}: CSP violation: ${v}`);
  for (const d of new Set(seen.dom)) problems.push(`${where}: markup from data: ${d}`);
  for (const [scope, texts] of Object.entries(within)) {
    const text = norm(seen.texts[scope] ?? "");
    for (const t of texts) {
      if (!text.includes(norm(t))) {
        problems.push(`${where}: not shown in ${scope}: ${JSON.stringify(t.slice(0, 80))}`);
      }
    }
  }
  if (expect.title !== undefined && !norm(seen.title).includes(norm(expect.title))) {
    problems.push(`${where}: title ${JSON.stringify(seen.title)} lacks the expected text`);
  }
  for (const [selector, value] of Object.entries(expect.values ?? {})) {
    if (seen.values[selector]?.toWellFormed() !== value.toWellFormed()) {
      problems.push(
        `${where}: ${selector} holds ${JSON.stringify(seen.values[selector])}, not ${
          JSON.stringify(value)
        }`,
      );
    }
  }
}

/** Opens a URL, waits for hydration, then inspects it. */
async function visit(page: Page, url: string, problems: Problems, expect: Expect = {}) {
  const res = await page.goto(url);
  if (expect.status !== undefined && res?.status() !== expect.status) {
    problems.push(`${url.slice(0, 120)}: status ${res?.status()}, expected ${expect.status}`);
  }
  await hydrated(page, problems);
  if (expect.wholeSidebar) await loadWholeSidebar(page, problems);
  await inspect(page, problems, expect);
}

/** Presses "Show older conversations" until the sidebar holds every conversation. */
async function loadWholeSidebar(page: Page, problems: Problems) {
  const more = page.locator(`${SIDEBAR} button`, { hasText: /Show older conversations|Loading…/ });
  for (let round = 0; round < 50 && await more.count() > 0; round++) {
    await more.first().click().catch(() => {}); // it may vanish as the last page comes in
    await page.waitForFunction(
      (scope) => !document.querySelector(scope)?.textContent?.includes("Loading…"),
      SIDEBAR,
      { timeout: 10_000, polling: 50 },
    );
  }
  if (await more.count() > 0) problems.push(`${page.url()}: the sidebar never loaded it all`);
}

/** Waits (polling the page, no fixed sleep) until every text is visible, else says which not. */
async function waitForTexts(
  page: Page,
  scope: string,
  texts: string[],
  problems: Problems,
  timeout = 10_000,
) {
  const wanted = texts.map(norm);
  try {
    await page.waitForFunction(
      ([scope, wanted]) => {
        const el = document.querySelector<HTMLElement>(scope);
        const text = (el?.innerText ?? "").toWellFormed().replace(/\s+/g, " ");
        return wanted.every((t) => text.includes(t));
      },
      [scope, wanted] as const,
      { timeout, polling: 100 },
    );
  } catch {
    const text = norm(
      await page.evaluate((s) => document.querySelector<HTMLElement>(s)?.innerText ?? "", scope),
    );
    for (const t of wanted.filter((t) => !text.includes(t))) {
      problems.push(
        `${page.url().slice(0, 120)}: never shown in ${scope}: ${JSON.stringify(t.slice(0, 80))}`,
      );
    }
  }
}

/** Runs `fn` over `items` on a few pages at once. */
async function onPages<T>(pages: Page[], items: T[], fn: (page: Page, item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(pages.map(async (page) => {
    while (next < items.length) await fn(page, items[next++]);
  }));
}

/** Fails with what went wrong (and forgets it, so the next step starts clean). */
function report(problems: Problems) {
  const found = [...new Set(problems.splice(0))];
  assert.deepEqual(
    found.slice(0, 60),
    [],
    `${found.length} problem(s); the first are listed`,
  );
}

Deno.test({
  name: "no payload in any user-controlled field runs, on any page, server-rendered or live",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const server = await startTestServer({ RATE_LIMIT_SCALE: "0" });
    const browser = await launchChromium();
    const sockets: Client[] = [];
    const problems: Problems = [];
    const wsUrl = `${server.base.replace(/^http/, "ws")}/api/ws`;
    const api = async (path: string, init: RequestInit, status = 201) => {
      const res = await server.fetch(path, init);
      const body = await res.text();
      assert.equal(res.status, status, `${init.method} ${path}: ${res.status} ${body}`);
      return body ? JSON.parse(body) : null;
    };
    async function connect(cookie: string) {
      const ws = new DenoWebSocket(wsUrl, { headers: { cookie, origin: server.base } });
      const client = new Client(ws);
      sockets.push(client);
      await new Promise((resolve, reject) => {
        ws.addEventListener("open", resolve);
        ws.addEventListener("error", reject);
      });
      return client;
    }
    const contexts: BrowserContext[] = [];
    try {
      const n = PAYLOADS.length;
      // Names are stored and shown cleaned (no control, bidi or zero-width characters).
      const sentNames = PAYLOADS.map((p) => clip(p, MAX.displayName));
      const names = sentNames.map(shownDisplayName);
      const sentTitles = PAYLOADS.map((p) => clip(p, MAX.title));
      const titles = sentTitles.map(cleanName);
      const sentProjectNames = PAYLOADS.map((p) => clip(p, MAX.projectName));
      const projectNames = sentProjectNames.map(cleanName);
      const descriptions = PAYLOADS.map((p) => clip(p, MAX.description));
      const contents = PAYLOADS.map((p) => clip(p, MAX.content));
      const fileNames = PAYLOADS.map((p) => clip(p, MAX.fileName));
      // Multipart carries UTF-8: a lone surrogate in a file name arrives as U+FFFD.
      const storedFileNames = fileNames.map((f) => cleanFileName(f.toWellFormed()));
      const viewerName = clip(`<img src=x onerror=alert('viewer')> Val`, MAX.displayName);

      await t.step("usernames: the API refuses every payload with a clear 400", async () => {
        for (const p of PAYLOADS) {
          const res = await server.fetch(
            "/api/auth/register",
            json("POST", { username: p, password: PASSWORD }),
          );
          assert.equal(res.status, 400, `username ${JSON.stringify(p.slice(0, 40))}`);
          assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
          const { error } = await res.json();
          assert.equal(error.code, "invalid_input");
          assert.equal(typeof error.fields?.username, "string");
        }
      });

      await t.step("over-long values are refused with 400, not cut silently", async () => {
        const long = "<b>x</b>".repeat(1000);
        const res = await server.fetch(
          "/api/auth/register",
          json("POST", { username: "longname", password: PASSWORD, displayName: long }),
        );
        assert.equal(res.status, 400);
        assert.ok((await res.json()).error.fields.displayName);
      });

      // The people: Val sees everything; xss00… each carry one payload as their display name.
      const viewer = await registerUser(server, {
        username: "val",
        displayName: viewerName,
        password: PASSWORD,
      });
      // One after another: the server hashes one password at a time and queues 32 at most
      // (a burst past that is answered 503 busy), so a burst of 40 would be refused in part.
      const people: Awaited<ReturnType<typeof registerUser>>[] = [];
      for (const [i, name] of sentNames.entries()) {
        people.push(
          await registerUser(server, {
            username: `xss${String(i).padStart(2, "0")}`,
            displayName: name,
            password: PASSWORD,
          }),
        );
      }
      for (const [i, p] of people.entries()) assert.equal(p.user.displayName, names[i]);

      // An untitled group: its name is everyone's display names (conversationName()).
      const live = await api(
        "/api/conversations",
        json("POST", { participantIds: people.map((p) => p.user.id) }, viewer.cookie),
      );
      const liveId: string = live.conversation.id;
      const composerRoom = await api(
        "/api/conversations",
        json("POST", { participantIds: [people[0].user.id], title: "Composer" }, viewer.cookie),
      );
      const composerId: string = composerRoom.conversation.id;

      const viewerContext = await newContext(browser, server.base, viewer.cookie);
      contexts.push(viewerContext);
      const livePage = watch(await viewerContext.newPage(), problems, "val");
      await livePage.goto(`${server.base}/conversations/${liveId}`);
      await hydrated(livePage, problems);
      await livePage.getByRole("status").getByText("Live", { exact: true }).waitFor();

      const conversationIds: string[] = [];
      const projectIds: string[] = [];
      await t.step(
        "payloads go in by WebSocket, REST and multipart while Val watches",
        async () => {
          // Every person sends their payload over a socket into the live room (typing first).
          await Promise.all(people.map(async (person, i) => {
            const socket = await connect(person.cookie);
            socket.send({ type: "join", conversationId: liveId });
            await socket.next("recent_messages");
            socket.send({ type: "typing", conversationId: liveId });
            const clientId = `xss-${i}`;
            socket.send({
              type: "send_message",
              conversationId: liveId,
              content: contents[i],
              clientId,
            });
            const ack = await socket.next("ack", (f) => f.clientId === clientId, 10_000);
            assert.equal(ack.message.content, contents[i]);
          }));
          // Then each starts a titled group with Val, posts over REST, and makes a project with
          // Val in it, a file and a message: Val's sidebar learns of all of it live.
          await Promise.all(people.map(async (person, i) => {
            const conv = await api(
              "/api/conversations",
              json(
                "POST",
                { participantIds: [viewer.user.id], title: sentTitles[i] },
                person.cookie,
              ),
            );
            assert.equal(conv.conversation.title, titles[i]);
            conversationIds[i] = conv.conversation.id;
            const posted = await api(
              `/api/conversations/${conv.conversation.id}/messages`,
              json("POST", { content: contents[i] }, person.cookie),
            );
            assert.equal(posted.message.content, contents[i]);
            const { project } = await api(
              "/api/projects",
              json(
                "POST",
                { name: sentProjectNames[i], description: descriptions[i] },
                person.cookie,
              ),
            );
            assert.equal(project.name, projectNames[i]);
            assert.equal(project.description, descriptions[i]);
            projectIds[i] = project.id;
            await api(
              `/api/projects/${project.id}/members`,
              json("POST", { username: "val" }, person.cookie),
            );
            const { file } = await api(
              `/api/projects/${project.id}/files`,
              uploadInit(fileNames[i], `file ${i}`, person.cookie),
            );
            assert.equal(file.name, storedFileNames[i]);
            await api(
              `/api/conversations/${project.conversationId}/messages`,
              json("POST", { content: contents[i] }, person.cookie),
            );
          }));
        },
      );

      await t.step("Val's open page shows it all live, as text", async () => {
        await waitForTexts(livePage, MESSAGES, [...contents, ...names], problems);
        await waitForTexts(livePage, SIDEBAR, [
          ...titles,
          ...projectNames,
          ...people.map((_, i) => `${names[i]}: ${contents[i]}`),
        ], problems);
        await inspect(livePage, problems, {
          title: names[0],
          within: { "section h1": [names.join(", ")] },
        });
        report(problems);
      });

      await t.step(
        "the composer: typed payloads go out over the socket and arrive live",
        async () => {
          const senderContext = await newContext(browser, server.base, people[0].cookie);
          contexts.push(senderContext);
          const sender = watch(await senderContext.newPage(), problems, "xss00");
          const receiver = watch(await viewerContext.newPage(), problems, "val");
          for (const page of [sender, receiver]) {
            await page.goto(`${server.base}/conversations/${composerId}`);
            await hydrated(page, problems);
            await page.getByRole("status").getByText("Live", { exact: true }).waitFor();
          }
          const typed = contents.map((c) => c.toWellFormed());
          // Typed into the composer and sent with Enter, as a person would (in one round trip).
          await sender.evaluate((texts) => {
            const box = document.querySelector<HTMLTextAreaElement>("#composer")!;
            for (const text of texts) {
              box.value = text;
              box.dispatchEvent(new Event("input", { bubbles: true }));
              box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
            }
          }, typed);
          await sender.waitForFunction(
            (n) =>
              document.querySelectorAll("li[data-seq]").length === n &&
              document.querySelectorAll("[data-pending]").length === 0,
            typed.length,
            { timeout: 15_000 },
          );
          await waitForTexts(receiver, MESSAGES, typed, problems);
          await inspect(sender, problems, { within: { [MESSAGES]: typed } });
          await inspect(receiver, problems, { within: { [MESSAGES]: typed } });
          await sender.close();
          await receiver.close();
          report(problems);
        },
      );

      await t.step("people search in the New conversation dialog shows names as text", async () => {
        const page = watch(await viewerContext.newPage(), problems, "val");
        await page.goto(`${server.base}/`);
        await hydrated(page, problems);
        await page.getByRole("button", { name: "New conversation" }).click();
        for (let tens = 0; tens * 10 < n; tens++) {
          await page.getByLabel("Search people").fill(`xss${tens}`);
          const group = names.slice(tens * 10, tens * 10 + 10);
          await waitForTexts(page, "dialog[open] ul", group, problems);
          await inspect(page, problems, { within: { "dialog[open] ul": group } });
        }
        await page.close();
        report(problems);
      });

      await t.step(
        "files picked in the browser: names render as text while and after uploading",
        async () => {
          const { project } = await api(
            "/api/projects",
            json("POST", { name: "Val's files" }, viewer.cookie),
          );
          const page = watch(await viewerContext.newPage(), problems, "val");
          await page.goto(`${server.base}/projects/${project.id}`);
          await hydrated(page, problems);
          const picked = fileNames.map((f) => f.toWellFormed());
          await page.evaluate((names) => {
            const input = document.querySelector<HTMLInputElement>("input[type=file][name=file]")!;
            const files = new DataTransfer();
            for (const name of names) {
              files.items.add(new File(["hi"], name, { type: "text/plain" }));
            }
            input.files = files.files;
            input.dispatchEvent(new Event("change", { bubbles: true }));
          }, picked);
          await page.waitForFunction(
            (n) => document.querySelectorAll("ul[aria-label='Project files'] > li").length === n,
            picked.length,
            { timeout: 15_000 },
          );
          const shown = picked.map(cleanFileName);
          await inspect(page, problems, { within: { [FILES]: shown } });
          await visit(page, `${server.base}/projects/${project.id}`, problems, {
            within: { [FILES]: shown },
          });
          await page.close();
          report(problems);
        },
      );

      await t.step("every page Val can open, rendered by the server, then hydrated", async () => {
        const pages = await Promise.all(
          [0, 1, 2, 3].map(async () => watch(await viewerContext.newPage(), problems, "val")),
        );
        const base = server.base;
        const visits: [string, Expect][] = [
          [`${base}/`, {
            texts: [`Welcome, ${viewerName}`],
            wholeSidebar: true,
            within: {
              [SIDEBAR]: [
                ...titles,
                ...projectNames,
                ...people.map((_, i) => `${names[i]}: ${contents[i]}`),
              ],
            },
          }],
          [`${base}/new`, { texts: [viewerName] }],
          [`${base}/projects`, {
            within: { "ul[aria-label='Your projects']": [...projectNames, ...descriptions] },
          }],
          [`${base}/conversations/${liveId}`, {
            within: { [MESSAGES]: [...contents, ...names], "section h1": [names.join(", ")] },
            title: names[0],
          }],
          ...people.map((_, i): [string, Expect] => [
            `${base}/conversations/${conversationIds[i]}`,
            {
              within: { "section h1": [titles[i]], [MESSAGES]: [names[i], contents[i]] },
              title: titles[i],
            },
          ]),
          ...people.map((_, i): [string, Expect] => [
            `${base}/projects/${projectIds[i]}`,
            {
              within: {
                "aside[aria-label=Project] h2": [projectNames[i]],
                "aside[aria-label=Project]": [descriptions[i], storedFileNames[i]],
                "ul[aria-label=Members]": [`${names[i]} @xss${String(i).padStart(2, "0")}`],
                [FILES]: [storedFileNames[i], names[i]],
                [MESSAGES]: [contents[i]],
              },
              title: projectNames[i],
            },
          ]),
          // Reflected input: query strings and paths that pages might echo (404 pages are light,
          // so every payload goes there; the heavier pages get a few).
          ...PAYLOADS.map((p, i): [string, Expect] => [
            `${base}/${["conversations/", "projects/", ""][i % 3]}${q(p)}?error=${q(p)}`,
            { status: 404 },
          ]),
          ...[0, 15, 32].map((i): [string, Expect] => [
            `${base}/conversations/${liveId}?before=${q(PAYLOADS[i])}&error=${q(PAYLOADS[i])}`,
            { status: 200 },
          ]),
          [`${base}/projects?error=${q(PAYLOADS[2])}`, { status: 200 }],
        ];
        const account = await server.fetch("/account", { headers: { cookie: viewer.cookie } });
        await account.body?.cancel();
        if (account.status === 200) {
          visits.push([`${base}/account`, { texts: [viewerName] }]);
          for (const p of PAYLOADS) {
            const v = q(p);
            visits.push([`${base}/account?done=${v}&error=${v}`, { status: 200 }]);
          }
        }
        await onPages(pages, visits, (page, [url, expect]) => visit(page, url, problems, expect));
        await Promise.all(pages.map((p) => p.close()));
        report(problems);
      });

      await t.step(
        "signed out: sign-in pages with a payload as `next`, and failed forms",
        async () => {
          const context = await newContext(browser, server.base);
          contexts.push(context);
          const pages = await Promise.all(
            [0, 1, 2, 3].map(async () => watch(await context.newPage(), problems, "anon")),
          );
          const base = server.base;
          // As given, none is a path on this site: `safeNext()` refuses them all.
          for (const p of PAYLOADS) assert.equal(safeNext(p.toWellFormed()), "/");
          // As a path on this site: kept, and shown in the form.
          const visits = PAYLOADS.flatMap((p, i) =>
            [`/${p}`].map((next): [string, Expect] => {
              const kept = safeNext(next.toWellFormed());
              assert.ok(
                kept === "/" || /^\/(?![/\\])/.test(kept),
                `next ${next} is kept as ${kept}`,
              );
              return [
                `${base}/${i % 2 ? "login" : "register"}?next=${q(next)}`,
                { values: { "input[name=next]": kept === "/" ? "" : kept } },
              ];
            })
          );
          await onPages(pages, visits, (page, [url, expect]) => visit(page, url, problems, expect));
          // A registration form that fails (password too short) comes back with what was typed;
          // each next form is posted from the page the last one came back as.
          await Promise.all(pages.map((page) => page.goto(`${base}/register`)));
          await onPages(pages, PAYLOADS, async (page, p) => {
            await Promise.all([
              page.waitForEvent("load"),
              page.evaluate((fields) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = "/api/auth/register";
                for (const [name, value] of Object.entries(fields)) {
                  const input = document.createElement("input");
                  input.name = name;
                  input.value = value;
                  form.append(input);
                }
                document.body.append(form);
                form.submit();
              }, { username: p, displayName: p, password: "short", next: `/${p}` }),
            ]);
            await hydrated(page, problems);
            const typed = p.toWellFormed().replace(/[\r\n]/g, "");
            await inspect(page, problems, {
              values: { "#field-username": typed, "#field-displayName": typed },
            });
          });
          await Promise.all(pages.map((p) => p.close()));
          report(problems);
        },
      );

      await t.step("a payload `next` never leaves the site after signing in", async () => {
        const pages: Page[] = [];
        for (
          const next of [`javascript:${RUN}`, `/<img src=x onerror=${RUN}>`, "//evil.invalid/"]
        ) {
          const context = await newContext(browser, server.base);
          contexts.push(context);
          const page = watch(await context.newPage(), problems, "anon");
          pages.push(page);
          await page.goto(`${server.base}/login?next=${q(next)}`);
          await hydrated(page, problems);
          await page.getByLabel("Username").fill("xss01");
          await page.getByLabel("Password").fill(PASSWORD);
          await page.getByRole("button", { name: "Sign in" }).click();
          await page.waitForURL((url) => url.pathname !== "/login");
          assert.equal(new URL(page.url()).origin, server.base);
          await hydrated(page, problems);
          await inspect(page, problems);
          // And without JavaScript: the 303 stays on this site too.
          const res = await server.fetch("/api/auth/login", {
            method: "POST",
            redirect: "manual",
            headers: { origin: server.base, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ username: "xss01", password: PASSWORD, next }),
          });
          assert.equal(res.status, 303);
          assert.match(res.headers.get("location") ?? "", /^\/(?![/\\])/);
        }
        report(problems);
      });

      await t.step(
        "uploaded HTML and SVG are never served inline; raster images may be",
        async () => {
          const owner = people[1];
          const projectId = projectIds[1];
          const png = Uint8Array.from(
            atob(
              "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
            ),
            (c) => c.charCodeAt(0),
          );
          const polyglot = new Uint8Array([
            ...png,
            ...new TextEncoder().encode(`<html><script>${RUN}</script></html>`),
          ]);
          const uploads = [
            {
              name: "page.html",
              body: `<!doctype html><script>${RUN}</script>`,
              type: "text/html",
            },
            {
              name: "image.svg",
              body:
                `<svg xmlns="http://www.w3.org/2000/svg" onload="${RUN}"><script>${RUN}</script></svg>`,
              type: "image/svg+xml",
            },
            {
              name: "page.xhtml",
              body: `<html xmlns="http://www.w3.org/1999/xhtml"><script>${RUN}</script></html>`,
              type: "application/xhtml+xml",
            },
            { name: "polyglot.png.html", body: polyglot, type: "image/png" },
            { name: "dot.png", body: png, type: "image/png" },
          ];
          const context = await newContext(browser, server.base, owner.cookie);
          contexts.push(context);
          const page = watch(await context.newPage(), problems, "xss01");
          for (const u of uploads) {
            const { file } = await api(
              `/api/projects/${projectId}/files`,
              uploadInit(u.name, u.body, owner.cookie, u.type),
            );
            for (const query of ["", "?inline=1"]) {
              const url = `/api/projects/${projectId}/files/${file.id}${query}`;
              const res = await server.fetch(url, { headers: { cookie: owner.cookie } });
              await res.body?.cancel();
              assert.equal(res.status, 200);
              const type = res.headers.get("content-type") ?? "";
              const disposition = res.headers.get("content-disposition") ?? "";
              assert.equal(res.headers.get("x-content-type-options"), "nosniff", url);
              assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/, url);
              assert.doesNotMatch(type, /html|xml|svg|javascript/i, `${u.name}: ${type}`);
              const raster = /^image\/(png|jpeg|gif|webp|avif)$/.test(type);
              if (query && raster) assert.match(disposition, /^inline;/, u.name);
              else assert.match(disposition, /^attachment;/, `${u.name}${query}`);
              if (!raster || !query) {
                // In the browser it is a download, never a document of our origin.
                const [download] = await Promise.all([
                  page.waitForEvent("download"),
                  page.goto(`${server.base}${url}`).catch(() => null),
                ]);
                await download.cancel();
              }
            }
          }
          report(problems);
        },
      );
    } finally {
      // Bounded: a page a payload broke must not hang the run after it has failed.
      const atMost = (p: Promise<unknown>) =>
        Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
      await atMost(Promise.all(sockets.map((s) => s.close())));
      await atMost(Promise.all(contexts.map((c) => c.close())));
      await atMost(browser.close());
      await atMost(server.close());
    }
  },
});
