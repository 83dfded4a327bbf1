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
 * the body goes) around `body`. With `assets`, a page that rendered islands gets, at the end
 * of its head, the client entry (`boot.js`, `async`: it runs as soon as it and its chunks
 * are in, the socket opening while the page still parses) and every module its islands
 * load as `modulepreload`, so the browser fetches them at once, not one import at a time.
 * A page without islands loads no script of the build.
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
  const links = head < 0 || islands.length === 0 ? "" : headScripts(assets!, islands);
  const at = head < 0 ? 0 : head;
  return `<!DOCTYPE html>${outer.slice(0, at)}${links}${outer.slice(at, slot)}${html}${
    outer.slice(slot + BODY.length)
  }`;
}

/** Islands that listen to the page's socket: the client entry opens it before they load. */
const SOCKET_ISLANDS = ["ChatRoom", "ConversationList"];

/**
 * The client entry's script (marked `data-socket` when an island will listen to the socket)
 * and `<link rel="modulepreload">` for every module of it and of these islands, the entry's
 * own chunks first (it runs first), each file once.
 */
function headScripts(assets: Pick<Assets, "id" | "modules">, islands: string[]): string {
  const base = `/assets/${assets.id}`;
  const socket = islands.some((name) => SOCKET_ISLANDS.includes(name)) ? " data-socket" : "";
  const files = new Set(["boot", ...islands].flatMap((name) => assets.modules[name] ?? []));
  files.delete("boot.js"); // the script itself
  return `<script type="module" src="${base}/boot.js" async${socket}></script>` +
    [...files].filter((f) => /^[\w.-]+\.js$/.test(f))
      .map((f) => `<link rel="modulepreload" href="${base}/${f}">`).join("");
}
