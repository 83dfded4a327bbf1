/**
 * A formatted message as the server parsed it (lib/messages/markdown.tsx), and the one Preact
 * renderer of it, used by the server (SSR) and the islands alike: the browser gets the tree,
 * never a Markdown parser, and both render the same tree with the same code.
 *
 * The tree is compact JSON (it travels on every message): a text node is a string; an
 * element is an array whose first item is its tag, from this allow-list only:
 *
 *   ["p" | "strong" | "em" | "s" | "ul" | "li" | "blockquote", ...children]
 *   ["ol", start, ...children]      start: the first item's number
 *   ["a", href, ...children]        href: http(s) or mailto (checked again here)
 *   ["code", text]  ["pre", text]   inline code; a code block (rendered as <pre><code>)
 *   ["br"]
 *
 * The renderer holds to the same list: any other tag, or a malformed node, renders only its
 * text; every string reaches the DOM as text (Preact escapes it). `@mentions` are found here,
 * in text outside links, because who counts as one depends on who is looking.
 */
import type { ComponentChildren, VNode } from "preact";
import { h } from "preact";
import { MENTION } from "./mentions.ts";

export type FormattedNode = string | FormattedElement;
export type FormattedElement =
  | ["p" | "strong" | "em" | "s" | "ul" | "li" | "blockquote", ...FormattedNode[]]
  | ["ol", number, ...FormattedNode[]]
  | ["a", string, ...FormattedNode[]]
  | ["code" | "pre", string]
  | ["br"];
/** A message's blocks. */
export type Formatted = FormattedNode[];

/** Only these URL schemes become links. */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Tags whose children are nodes, and the element each becomes. */
const CONTAINERS = new Set(["p", "strong", "em", "s", "ul", "li", "blockquote"]);

export type MentionOptions = {
  /** Picks the `@names` to highlight (e.g. the participants), given lowercased. */
  isMention?: (username: string) => boolean;
  /** Gets a stronger highlight. */
  me?: string;
};

function withMentions(chunk: string, options: MentionOptions): ComponentChildren[] {
  if (!options.isMention || !chunk.includes("@")) return [chunk];
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const m of chunk.matchAll(MENTION)) {
    const name = m[2].replace(/\.+$/, "");
    if (!options.isMention(name.toLowerCase())) continue;
    const at = m.index! + m[1].length;
    out.push(chunk.slice(last, at));
    const self = name.toLowerCase() === options.me?.toLowerCase();
    out.push(
      h("span", {
        class: self
          ? "mention mention-me rounded bg-amber-200 px-0.5 font-semibold text-amber-900"
          : "mention rounded bg-indigo-100 px-0.5 font-medium text-indigo-800",
        "data-mention": name.toLowerCase(),
      }, `@${name}`),
    );
    last = at + 1 + name.length;
  }
  out.push(chunk.slice(last));
  return out.filter((x) => x !== "");
}

/** The text of anything (what a node off the list renders as). */
function textOf(node: unknown): string {
  if (typeof node === "string") return node;
  if (!Array.isArray(node)) return "";
  return node.slice(1).map((x) => (typeof x === "string" || Array.isArray(x) ? textOf(x) : ""))
    .join("");
}

function renderNodes(
  nodes: readonly unknown[],
  options: MentionOptions,
  inLink: boolean,
): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  for (const node of nodes) {
    if (typeof node === "string") {
      out.push(...(inLink ? [node] : withMentions(node, options)));
      continue;
    }
    if (!Array.isArray(node) || typeof node[0] !== "string") continue;
    const [tag, ...rest] = node;
    if (CONTAINERS.has(tag)) {
      out.push(h(tag, null, ...renderNodes(rest, options, inLink)));
    } else if (tag === "ol" && typeof rest[0] === "number") {
      const start = rest[0];
      const props = Number.isInteger(start) && start !== 1 ? { start } : null;
      out.push(h("ol", props, ...renderNodes(rest.slice(1), options, inLink)));
    } else if (tag === "a" && typeof rest[0] === "string") {
      const href = inLink ? null : safeHref(rest[0]);
      const children = renderNodes(rest.slice(1), options, true);
      out.push(
        href
          ? h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow ugc" }, ...children)
          : h("span", null, ...children),
      );
    } else if (tag === "code" && typeof rest[0] === "string") {
      out.push(h("code", null, rest[0]));
    } else if (tag === "pre" && typeof rest[0] === "string") {
      out.push(h("pre", null, h("code", null, rest[0])));
    } else if (tag === "br") {
      out.push(h("br", null));
    } else {
      // Not on the allow-list: its text, as text.
      const text = textOf(node);
      if (text) out.push(text);
    }
  }
  return out;
}

/**
 * A message's text as Preact elements: its tree (`formatted`), or, when that is null, its
 * content as one paragraph (what the server sends for text with no formatting at all).
 */
export function renderFormatted(
  content: string,
  formatted: Formatted | null | undefined,
  options: MentionOptions = {},
): VNode<unknown> {
  const tree: readonly unknown[] = Array.isArray(formatted)
    ? formatted
    : content
    ? [["p", content]]
    : [];
  return h("div", { class: "markdown" }, ...renderNodes(tree, options, false)) as VNode<unknown>;
}
