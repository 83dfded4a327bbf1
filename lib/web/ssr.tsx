import { Fragment, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { Assets } from "./assets.ts";
import { collectIslands } from "./islands.tsx";

/**
 * Where the body goes in the rendered shell. Text Preact renders has its `<` escaped, so
 * only this module can put the tag there (as precompiled JSX, written as is).
 */
const BODY = "<hearth-body></hearth-body>";
const bodySlot = h(Fragment, { tpl: [BODY] } as Record<string, unknown>);

/**
 * Renders a page to a complete HTML document: `shell(slot)` (the layout, with `slot` where
 * the body goes) around `body`. With `assets`, the head also names every module the page's
 * scripts will load (the client entry, the islands it rendered and their chunks) as
 * `modulepreload`, so the browser fetches them at once, not one import at a time.
 *
 * The body and the shell render apart and are joined as strings: the preload links go into
 * the small shell's head, so the page's large HTML (a string of tens of thousands of pieces)
 * is not flattened and searched for `</head>` once more before the answer encodes it
 * (measured ~0.3–0.6 ms of a 50-message page).
 */
export function renderDocument(
  shell: (slot: VNode) => VNode,
  body: VNode,
  assets?: Pick<Assets, "id" | "modules">,
): string {
  const { result: [html, outer], islands } = collectIslands(() => [
    renderToString(body),
    renderToString(shell(bodySlot)),
  ]);
  const slot = outer.indexOf(BODY);
  if (slot < 0) throw new Error("renderDocument: the shell did not render its slot");
  const head = assets ? outer.indexOf("</head>") : -1;
  const links = head < 0 ? "" : preloadLinks(assets!, islands);
  const at = head < 0 ? 0 : head;
  return `<!DOCTYPE html>${outer.slice(0, at)}${links}${outer.slice(at, slot)}${html}${
    outer.slice(slot + BODY.length)
  }`;
}

/** `<link rel="modulepreload">` for every module of the client entry and these islands. */
function preloadLinks(assets: Pick<Assets, "id" | "modules">, islands: string[]): string {
  const files = new Set(["boot", ...islands].flatMap((name) => assets.modules[name] ?? []));
  files.delete("boot.js"); // the page's own module script
  return [...files].filter((f) => /^[\w.-]+\.js$/.test(f))
    .map((f) => `<link rel="modulepreload" href="/assets/${assets.id}/${f}">`).join("");
}
