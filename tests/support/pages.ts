/**
 * What several Chromium tests of pages share: the serious axe findings, horizontal overflow,
 * the two widths screenshots are taken at, and REST shortcuts to say something and to call a
 * route that answers 204.
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Message } from "../../lib/shared/message.ts";
import { json, type startTestServer } from "./helpers.ts";

type Fetcher = Pick<Awaited<ReturnType<typeof startTestServer>>, "fetch">;

/** Serious or critical axe findings on the page, as lines (`label: rule at targets`). */
export async function axeProblems(page: Page, label: string): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).analyze();
  return axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map(
    (v) => `${label}: ${v.id} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`,
  );
}

/** How many pixels the page is wider than its window (0: no sideways scrolling). */
export async function overflow(page: Page): Promise<number> {
  return await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth
  );
}

/** The widths pages are looked at: a laptop and a phone. */
export const SIZES = [
  { name: "1280", width: 1280, height: 800 },
  { name: "375", width: 375, height: 812 },
] as const;

/** Posts a message (or, with `parentSeq`, a reply) over REST: 201, the stored message. */
export async function say(
  server: Fetcher,
  cookie: string,
  conversationId: string,
  content: string,
  extra: { parentSeq?: number; alsoToConversation?: boolean } = {},
): Promise<Message> {
  const res = await server.fetch(
    `/api/conversations/${conversationId}/messages`,
    json("POST", { content, ...extra }, cookie),
  );
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).message;
}

/** Calls a route that answers 204 (no body sent). */
export async function call(server: Fetcher, cookie: string, method: string, path: string) {
  const res = await server.fetch(path, json(method, undefined, cookie));
  assert.equal(res.status, 204, `${method} ${path}: ${await res.text()}`);
}
