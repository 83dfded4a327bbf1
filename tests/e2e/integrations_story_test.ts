/**
 * The story of a team's tools, end to end, on real parts: the app as a server process
 * (main.ts on a KV file, as in production), a script that holds only a personal access token,
 * a webhook receiver that is a real HTTP server on 127.0.0.1, and a person in Chromium.
 *
 * The script makes a bot and adds it to a channel, makes an incoming webhook and posts
 * Slack's `{text}` to it, and points an outgoing webhook at the receiver. The person sees the
 * bot's and the webhook's messages arrive live, with their badge. Their "!deploy" messages
 * reach the receiver signed; its `{text}` answers come back into the channel. Then the
 * receiver stops, more messages come, the app restarts, the receiver comes back: every
 * message is delivered, and every answer appears once.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchChromium, openChatPage, screenshotsIn } from "../support/browser.ts";
import { json, okJson, registerUser } from "../support/helpers.ts";
import { freePort, type ServerProcess, startServerProcess } from "../support/process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** What the receiver saw of one delivery. */
type Delivery = { id: string; signed: boolean; content: string; seq: number };

/**
 * A webhook receiver on a fixed port: checks each delivery's signature with the secret it is
 * given, keeps what came, and answers a "!deploy <what>" message with `{text}`.
 */
function startReceiver(port: number, secret: () => string, seen: Delivery[]) {
  const encoder = new TextEncoder();
  return Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    const key = await crypto.subtle.importKey(
      "raw",
      encoder.encode(secret()),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    const given = (req.headers.get("x-hearth-signature") ?? "").replace(/^sha256=/, "");
    const bytes = Uint8Array.from(given.match(/../g) ?? [], (h) => parseInt(h, 16));
    const signed = bytes.length === 32 &&
      await crypto.subtle.verify("HMAC", key, bytes, body);
    const event = JSON.parse(new TextDecoder().decode(body));
    const content: string = event.message.content;
    seen.push({
      id: req.headers.get("x-hearth-delivery") ?? "",
      signed,
      content,
      seq: event.message.seq,
    });
    if (!signed) return new Response("bad signature", { status: 401 });
    const what = content.split(/\s+/)[1] ?? "nothing";
    return Response.json({ text: `Deploying ${what}` });
  });
}

/** A message row of the page that says `text`. */
function row(page: Page, text: string) {
  return page.locator("li[data-seq]").filter({ hasText: text });
}

async function say(page: Page, text: string) {
  const box = page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
  await row(page, text).waitFor();
}

Deno.test({
  name:
    "a script with only a token: a bot, webhooks in and out, seen live; a restart loses no delivery",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const port = freePort();
    const receiverPort = freePort();
    const env = { KV_PATH: `${dir}/chat.kv`, WEBHOOKS_ALLOW_PRIVATE: "1", LOG_LEVEL: "error" };
    const start = () =>
      startServerProcess({ args: ["run", "-A", "main.ts"], cwd: ROOT, env, port });
    let server: ServerProcess = await start();
    const base = server.base;
    const browser = await launchChromium();
    const seen: Delivery[] = [];
    let outgoingSecret = "";
    let receiver = startReceiver(receiverPort, () => outgoingSecret, seen);
    try {
      // The person's browser calls: the test Origin is this server's own.
      const app = {
        fetch: (path: string, init: RequestInit = {}) => {
          const headers = new Headers(init.headers);
          if (headers.has("origin")) headers.set("origin", base);
          return fetch(`${base}${path}`, { ...init, headers });
        },
      };
      // A person with a browser, their channel, and the token they give the script.
      const ann = await registerUser(app, { username: "ann", displayName: "Ann Lee" });
      const { conversation } = await okJson(
        await app.fetch(
          "/api/conversations",
          json("POST", { kind: "channel", title: "deploys" }, ann.cookie),
        ),
        201,
      );
      const id: string = conversation.id;
      const { secret: token } = await okJson(
        await app.fetch("/api/tokens", json("POST", { name: "deploy script" }, ann.cookie)),
        201,
      );

      // The script: only the token, no cookie, no Origin.
      const api = async (method: string, path: string, body: unknown, bearer = token) => {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
        return text ? JSON.parse(text) : null;
      };
      const { bot, secret: botToken } = await api("POST", "/api/bots", {
        username: "deploybot",
        displayName: "Deploy Bot",
      });
      assert.equal(bot.isBot, true);
      await api("POST", `/api/conversations/${id}/members`, { usernames: ["deploybot"] });
      const { webhook } = await api("POST", `/api/conversations/${id}/webhooks`, { name: "CI" });
      const outgoing = await api("POST", `/api/conversations/${id}/outgoing-webhooks`, {
        url: `http://127.0.0.1:${receiverPort}/hearth`,
        events: ["message"],
        triggerWords: ["!deploy"],
      });
      outgoingSecret = outgoing.secret;

      const page = await openChatPage(browser, base, ann.cookie, { path: `/conversations/${id}` });

      // The bot speaks with its own token; the webhook takes Slack's shape from any program.
      await api(
        "POST",
        `/api/conversations/${id}/messages`,
        { content: "Deploy Bot is here" },
        botToken,
      );
      await row(page, "Deploy Bot is here").getByText("Bot", { exact: true }).waitFor();
      const slack = await fetch(webhook.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "Build #42 passed" }),
      });
      assert.equal((await okJson(slack)).ok, true);
      const build = row(page, "Build #42 passed");
      await build.locator(".msg-name", { hasText: "CI" }).waitFor();
      await build.getByText("Bot", { exact: true }).waitFor();

      // A trigger word: the receiver gets it signed, and its answer shows in the channel.
      await say(page, "!deploy staging");
      await row(page, "Deploying staging").waitFor();
      assert.ok(seen.length >= 1 && seen.every((d) => d.signed), JSON.stringify(seen));

      // The receiver goes away; two more deploys are asked for; the app restarts.
      await receiver.shutdown();
      await say(page, "!deploy production");
      await say(page, "!deploy docs");
      // Long enough for the first attempts to fail (the receiver refuses connections).
      await new Promise((r) => setTimeout(r, 1500));
      await server.stop();
      server = await start();
      receiver = startReceiver(receiverPort, () => outgoingSecret, seen);

      // The page comes back live by itself and shows both answers.
      await row(page, "Deploying production").waitFor({ timeout: 60_000 });
      await row(page, "Deploying docs").waitFor({ timeout: 60_000 });
      await page.screenshot({ path: `${screenshotsIn("integrations")}story.png` });

      // Every message was delivered under one id each, and every answer is in the channel once.
      const { messages } = await okJson(
        await app.fetch(`/api/conversations/${id}/messages`, { headers: { cookie: ann.cookie } }),
      );
      const contents: string[] = messages.map((m: { content: string }) => m.content);
      for (const what of ["staging", "production", "docs"]) {
        assert.equal(contents.filter((c) => c === `Deploying ${what}`).length, 1, what);
        const ids = new Set(seen.filter((d) => d.content === `!deploy ${what}`).map((d) => d.id));
        assert.equal(ids.size, 1, `one delivery id for "!deploy ${what}": ${[...ids]}`);
      }
      assert.ok(seen.every((d) => d.signed));
      // Nothing else triggered it: not the bot, not the webhook, not the answers.
      assert.deepEqual(
        [...new Set(seen.map((d) => d.content))].sort(),
        ["!deploy docs", "!deploy production", "!deploy staging"],
      );
    } finally {
      await browser.close();
      await receiver.shutdown().catch(() => {});
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
