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
  options: DocumentOptions = {},
): string {
  return renderPage(shell, body, assets, options).html;
}

type DocumentOptions = {
  /** The live page's early socket script (see earlySocketTags). */
  earlySocket?: string;
  /** A class added to the root `<html>` (the theme chosen: `light` or `dark`). */
  rootClass?: "light" | "dark";
};

/**
 * renderDocument, and the value of a `Link` header for its answer (null without `assets`):
 * the stylesheet and every module the head names, as preloads. Chromium acts on the header
 * when the navigation commits, before the parser reaches the head's own tags (~20–60 ms
 * later on a cold visit, the new context's start in between), so the stylesheet and the
 * scripts are on their way sooner (docs/benchmarks.md, "ChatRoom live").
 */
export function renderPage(
  shell: (slot: VNode) => VNode,
  body: VNode,
  assets?: Pick<Assets, "id" | "modules">,
  options: DocumentOptions = {},
): { html: string; link: string | null } {
  const { result: [html, outer], islands, props } = collectIslands(() => [
    renderToString(body),
    renderToString(shell(bodySlot)),
  ]);
  const slot = outer.indexOf(BODY);
  if (slot < 0) throw new Error("renderDocument: the shell did not render its slot");
  const head = assets ? outer.indexOf("</head>") : -1;
  const modules = head < 0 || islands.length === 0 ? [] : headModules(assets!, islands);
  const links = modules.length === 0 ? "" : headScripts(assets!, islands, modules);
  const at = head < 0 ? 0 : head;
  // The early socket goes first in the head, before the scripts and the stylesheet that the
  // parser waits for (an inline script waits for the stylesheets before it).
  const { earlySocket, rootClass } = options;
  const early = head < 0 || !earlySocket || !islands.some((n) => SOCKET_ISLANDS.includes(n))
    ? ""
    : earlySocketTags(earlySocket, props.get("ChatRoom"));
  const start = headStart(outer);
  return {
    html: `<!DOCTYPE html>${withRootClass(outer.slice(0, start), rootClass)}${early}${
      outer.slice(start, at)
    }${links}${outer.slice(at, slot)}${html}${outer.slice(slot + BODY.length)}`,
    link: assets ? preloadHeader(assets.id, modules) : null,
  };
}

/** `Link` preloads of the stylesheet (components/Layout.tsx names the same) and `modules`. */
function preloadHeader(id: string, modules: string[]): string {
  const base = `/assets/${id}`;
  return [`<${base}/styles.css>; rel=preload; as=style`]
    .concat(modules.map((f) => `<${base}/${f}>; rel=modulepreload`)).join(", ");
}

/**
 * The shell's start with `name` added to its root's classes: the theme chosen is on the page
 * as it arrives (no script before the first paint; without a choice, the stylesheet follows
 * the system: lib/web/styles.ts).
 */
function withRootClass(start: string, name?: "light" | "dark"): string {
  if (!name) return start;
  const root = /^<html\b[^>]*>/.exec(start)?.[0];
  if (!root) return start;
  const withClass = / class="/.test(root)
    ? root.replace(/ class="([^"]*)"/, (_, c) => ` class="${c ? `${c} ` : ""}${name}"`)
    : root.replace(/>$/, ` class="${name}">`);
  return withClass + start.slice(root.length);
}

/** Where the head's own tags start: after `<head>` and its charset declaration. */
function headStart(outer: string): number {
  const open = outer.indexOf("<head>");
  if (open < 0) return 0;
  const after = open + "<head>".length;
  const charset = /^<meta charset="[\w-]+"\/?>/.exec(outer.slice(after, after + 40));
  return after + (charset?.[0].length ?? 0);
}

/**
 * The early socket: `<meta name="hearth-socket">` holding the query of its upgrade (the page's
 * conversation to join and the newest seq the page holds, as boot.ts's first join would ask),
 * then `script`, the page's one inline script (constant, allowed by its hash in the CSP), which
 * opens the socket with that query at once and keeps its frames until chat_socket.ts adopts it.
 */
function earlySocketTags(script: string, room?: object): string {
  const query = room ? joinQuery(room as ChatRoomLike) : "";
  return `<meta name="hearth-socket" content="${
    escapeAttribute(query)
  }"><script>${script}</script>`;
}

type ChatRoomLike = { conversation?: { id?: unknown }; messages?: { seq?: unknown }[] };

/** `?join=<id>[&since=<seq>]` for the chat room's props ("" when they do not say). */
export function joinQuery(room: ChatRoomLike): string {
  const id = room.conversation?.id;
  if (typeof id !== "string" || id === "") return "";
  const seq = room.messages?.at(-1)?.seq;
  const since = typeof seq === "number" && seq > 0 ? `&since=${seq}` : "";
  return `?join=${encodeURIComponent(id)}${since}`;
}

const escapeAttribute = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");

/** Islands that listen to the page's socket: the client entry opens it before they load. */
const SOCKET_ISLANDS = ["ChatRoom", "ConversationList"];

/**
 * The client entry's script (marked `data-socket` when an island will listen to the socket)
 * and `<link rel="modulepreload">` for every module of it and of these islands, the entry's
 * own chunks first (it runs first), each file once.
 */
function headScripts(
  assets: Pick<Assets, "id">,
  islands: string[],
  modules: string[],
): string {
  const base = `/assets/${assets.id}`;
  const socket = islands.some((name) => SOCKET_ISLANDS.includes(name)) ? " data-socket" : "";
  return `<script type="module" src="${base}/boot.js" async${socket}></script>` +
    modules.filter((f) => f !== "boot.js")
      .map((f) => `<link rel="modulepreload" href="${base}/${f}">`).join("");
}

/** The client entry and every module of it and of `islands`, the entry's own first, once. */
function headModules(assets: Pick<Assets, "modules">, islands: string[]): string[] {
  const files = new Set(["boot.js"]);
  for (const name of ["boot", ...islands]) for (const f of assets.modules[name] ?? []) files.add(f);
  return [...files].filter((f) => /^[\w.-]+\.js$/.test(f));
}
