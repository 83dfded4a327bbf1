/**
 * What several Chromium tests of pages share: the serious axe findings, horizontal overflow,
 * and the two widths screenshots are taken at.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";

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
