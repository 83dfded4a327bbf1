/**
 * Draws the app's icons (static/icons/*.png) from the Logo's flame (components/Logo.tsx) with
 * Chromium, the browser the tests already drive: `deno run -A make_icons.ts`. The PNGs are
 * committed; run this again only when the mark changes.
 *
 * - icon-192/512: the rounded square on transparency (manifest purpose "any").
 * - maskable-192/512: the square to the edges, the flame inside the central safe circle
 *   (40 % radius), for launchers that cut their own shape (purpose "maskable").
 * - apple-touch-icon (180): opaque, iOS rounds it itself.
 * - badge-96: the flame alone, white on transparency (Android's status bar tints it).
 */
import { chromium } from "playwright-core";
import { CHROMIUM_PATH } from "./tests/support/browser.ts";

const FLAME =
  "M12 2c.5 3-1.5 4.8-3 6.6C7.5 10.4 6 12.3 6 15a6 6 0 0 0 12 0c0-2.2-1-4.2-2.4-5.6.1 1.5-.5 2.8-1.6 3.4.4-3.6-.6-7.8-2-10.8Z";
const INDIGO = "#4f46e5";

/** An SVG of `size` px: an optional background (rounded by `radius`, a share of the side) and the flame taking `flame` of the side. */
function svg(size: number, options: { background: boolean; radius: number; flame: number }) {
  const side = size * options.flame;
  const offset = (size - side) / 2;
  // The path's box is x 6…18, y 2…21 in a 24 grid: centre it on (12, 11.5).
  const scale = side / 24;
  const bg = options.background
    ? `<rect width="${size}" height="${size}" rx="${size * options.radius}" fill="${INDIGO}"/>`
    : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${bg}<g transform="translate(${offset} ${
    offset + scale * 0.5
  }) scale(${scale})"><path fill="#fff" d="${FLAME}"/></g></svg>`;
}

const ICONS = [
  { file: "icon-192.png", size: 192, background: true, radius: 0.22, flame: 0.8 },
  { file: "icon-512.png", size: 512, background: true, radius: 0.22, flame: 0.8 },
  { file: "maskable-192.png", size: 192, background: true, radius: 0, flame: 0.62 },
  { file: "maskable-512.png", size: 512, background: true, radius: 0, flame: 0.62 },
  { file: "apple-touch-icon.png", size: 180, background: true, radius: 0, flame: 0.75 },
  { file: "badge-96.png", size: 96, background: false, radius: 0, flame: 1.1 },
];

if (import.meta.main) {
  const out = new URL("./static/icons/", import.meta.url).pathname;
  await Deno.mkdir(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    for (const icon of ICONS) {
      await page.setViewportSize({ width: icon.size, height: icon.size });
      await page.setContent(
        `<html><body style="margin:0;background:transparent">${svg(icon.size, icon)}</body></html>`,
      );
      await page.screenshot({
        path: `${out}${icon.file}`,
        omitBackground: true,
        clip: { x: 0, y: 0, width: icon.size, height: icon.size },
      });
      console.log(`static/icons/${icon.file}`);
    }
  } finally {
    await browser.close();
  }
}
