/**
 * A formatted message (lib/shared/formatted.tsx) as one line of plain text, for the places
 * that show a glimpse of it (search results, previews): what a reader sees, without the
 * Markdown that made it (`**bold**` is "bold"; a list's items and a quote's lines are words
 * in a row). Like the renderer, it reads the tree only: the browser has no Markdown parser.
 */
import type { Formatted } from "./formatted.tsx";

/** The text of `content`, formatted as `formatted` says (null: it is plain already), on one line. */
export function plainText(content: string, formatted: Formatted | null | undefined): string {
  if (!Array.isArray(formatted)) return oneLine(content);
  const parts: string[] = [];
  walk(formatted, parts);
  return oneLine(parts.join(""));
}

const BLOCKS = new Set(["p", "li", "blockquote", "ul", "ol", "pre"]);

function walk(nodes: readonly unknown[], out: string[]): void {
  for (const node of nodes) {
    if (typeof node === "string") {
      out.push(node);
      continue;
    }
    if (!Array.isArray(node) || typeof node[0] !== "string") continue;
    const [tag, ...rest] = node;
    if (tag === "br") {
      out.push(" ");
      continue;
    }
    // A link's address and a list's start number are not text; code holds its text.
    const children = tag === "a" || tag === "ol" ? rest.slice(1) : rest;
    if (BLOCKS.has(tag)) out.push(" ");
    walk(children, out);
    if (BLOCKS.has(tag)) out.push(" ");
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
