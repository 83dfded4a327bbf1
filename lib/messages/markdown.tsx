/**
 * Message formatting, on the server only: a safe Markdown subset parsed once into the compact
 * allow-listed tree that lib/shared/formatted.tsx renders (on the server and in islands alike, so
 * the two are identical by construction and no parser ships to the browser).
 *
 * markdown-it parses (in its "zero" preset, with only the rules listed below enabled, and
 * raw HTML off); we never use its HTML output. Its tokens become tree nodes through an
 * allow-list: a token type not in the list becomes its text, so nothing else can get
 * through. Links must be http(s) or mailto (others keep their text and lose the link).
 */
import MarkdownIt from "markdown-it";
import type { VNode } from "preact";
import {
  type Formatted,
  type FormattedElement,
  type FormattedNode,
  type MentionOptions,
  renderFormatted,
  safeHref,
} from "../shared/formatted.tsx";
import { LruCache } from "../storage/mod.ts";
import { bytesOf, stringBytes } from "./heap_size.ts";

export { mentionsIn } from "../shared/mentions.ts";
export { safeHref };

type Token = ReturnType<InstanceType<typeof MarkdownIt>["parse"]>[number];

const md = new MarkdownIt("zero", { html: false, linkify: true, breaks: true })
  .enable([
    "paragraph",
    "newline",
    "escape",
    "text",
    "emphasis",
    "strikethrough",
    "backticks",
    "fence",
    "code",
    "link",
    "linkify",
    "list",
    "blockquote",
  ]);

/** Token pairs (`x_open` … `x_close`) that become an element, by their base name. */
const CONTAINERS: Record<string, string> = {
  paragraph: "p",
  strong: "strong",
  em: "em",
  s: "s",
  bullet_list: "ul",
  ordered_list: "ol",
  list_item: "li",
  blockquote: "blockquote",
  link: "a",
};

type Frame = { node: (string | number)[] | null; children: FormattedNode[] };

/** Adds a child, joining it to a text node just before it (so mentions are found whole). */
function push(children: FormattedNode[], node: FormattedNode) {
  const last = children.length - 1;
  if (typeof node === "string" && typeof children[last] === "string") {
    children[last] += node;
  } else if (node !== "") children.push(node);
}

/** Builds tree nodes from a token list (block or inline); unknown tokens become text. */
function build(tokens: Token[], out: FormattedNode[]): void {
  const stack: Frame[] = [{ node: null, children: out }];
  const top = () => stack[stack.length - 1].children;
  const close = () => {
    const frame = stack.pop()!;
    if (frame.node) push(top(), [...frame.node, ...frame.children] as FormattedElement);
    else for (const child of frame.children) push(top(), child);
  };
  for (const token of tokens) {
    const base = token.type.replace(/_(open|close)$/, "");
    if (token.type.endsWith("_open") && CONTAINERS[base]) {
      let node: (string | number)[] | null = [CONTAINERS[base]];
      if (base === "link") {
        const href = safeHref(String(token.attrGet("href") ?? ""));
        // A link whose target was refused becomes a span: its text stays.
        node = href ? ["a", href] : ["a", ""];
      } else if (base === "ordered_list") {
        const start = Number(token.attrGet("start") ?? 1);
        node = ["ol", Number.isInteger(start) ? start : 1];
      }
      // Tight lists' paragraphs are hidden: their text goes straight into the item.
      stack.push({ node: token.hidden ? null : node, children: [] });
      continue;
    }
    if (token.type.endsWith("_close") && CONTAINERS[base]) {
      if (stack.length > 1) close();
      continue;
    }
    switch (token.type) {
      case "inline":
        build(token.children ?? [], top());
        break;
      case "code_inline":
        push(top(), ["code", token.content]);
        break;
      case "fence":
      case "code_block":
        push(top(), ["pre", token.content.replace(/\n$/, "")]);
        break;
      case "softbreak":
      case "hardbreak":
        push(top(), ["br"]);
        break;
      default:
        // "text", and anything not on the allow-list: its text, as text.
        if (token.content) push(top(), token.content);
    }
  }
  // Unclosed frames (cannot happen with markdown-it's output, but never drop text).
  while (stack.length > 1) close();
}

/** The tree of a message's text (see lib/shared/formatted.tsx), parsed afresh. */
export function parseMarkdown(text: string): Formatted {
  const out: Formatted = [];
  build(md.parse(text, {}), out);
  return out;
}

/**
 * Bytes the kept trees hold at most, as heap_size.ts estimates them (twice bytesOf for a
 * tree: measured, a tree of many small nodes holds about that). It was the text's length
 * twice: a 4,000-character message of 1,000 emphasised words holds ~220 KB of tree, so the
 * 4 M bound could hold ~110 MB (issue 15, item 12: a cache bounded by what it holds).
 */
export const FORMAT_CACHE_BYTES = 8_000_000;
/** Parsed trees by content, most recently used last; bounded by what they hold. */
const cache = new LruCache<string, Formatted | null>({
  maxEntries: Infinity,
  maxSize: FORMAT_CACHE_BYTES,
  sizeOf: (tree, content) => stringBytes(content) + 2 * bytesOf(tree),
});

/** Bytes the kept trees hold now, estimated (see FORMAT_CACHE_BYTES). */
export function formatCacheBytes(): number {
  return cache.size;
}

/**
 * What a message carries as `formatted`: its tree, or null when the text is one plain
 * paragraph that renders the same as the raw text (most messages: it keeps frames small).
 * Cached by content, so a page that is read again does not parse again. The tree is shared:
 * never change it.
 */
export function formatMessage(content: string): Formatted | null {
  const hit = cache.get(content);
  if (hit !== undefined) return hit;
  if (content === "") return null;
  const tree = parseMarkdown(content);
  const plain = tree.length === 1 && Array.isArray(tree[0]) && tree[0].length === 2 &&
    tree[0][0] === "p" && tree[0][1] === content;
  const value = plain ? null : tree;
  cache.set(content, value);
  return value;
}

/** Renders message text as the islands do (parsed here): for tests and server-only pages. */
export function renderMarkdown(text: string, options: MentionOptions = {}): VNode<unknown> {
  return renderFormatted(text, formatMessage(text), options);
}
