import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { Assets } from "./assets.ts";
import { installFragmentCache } from "./fragment_cache.tsx";
import { collectIslands } from "./islands.tsx";

/**
 * Renders a page to a complete HTML document. With `assets`, the head also names every
 * module the page's scripts will load (the client entry, the islands it rendered and their
 * chunks) as `modulepreload`, so the browser fetches them at once, not one import at a time.
 */
export function renderDocument(page: VNode, assets?: Pick<Assets, "id" | "modules">): string {
  installFragmentCache();
  const { result: html, islands } = collectIslands(() => renderToString(page));
  const head = assets ? html.indexOf("</head>") : -1;
  if (!assets || head < 0) return `<!DOCTYPE html>${html}`;
  const files = new Set(["boot", ...islands].flatMap((name) => assets.modules[name] ?? []));
  files.delete("boot.js"); // the page's own module script
  const links = [...files].filter((f) => /^[\w.-]+\.js$/.test(f))
    .map((f) => `<link rel="modulepreload" href="/assets/${assets.id}/${f}">`).join("");
  return `<!DOCTYPE html>${html.slice(0, head)}${links}${html.slice(head)}`;
}
