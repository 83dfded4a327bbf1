/**
 * Message formatting: a safe Markdown subset, the same on the server (SSR) and in islands.
 *
 * markdown-it parses (in its "zero" preset, with only the rules listed below enabled, and
 * raw HTML off); we never use its HTML output. Its tokens are turned into Preact elements
 * through an allow-list: a token type not in the list becomes its text, so nothing else can
 * get through, and every string reaches the DOM as text (Preact escapes it). Links must be
 * http(s) or mailto, open in a new tab without an opener, and never carry a referrer.
 */
import MarkdownIt from "markdown-it";
import type { ComponentChildren, VNode } from "preact";
import { h } from "preact";
import { MENTION } from "./mentions.ts";

export { mentionsIn } from "./mentions.ts";

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

/** Only these URL schemes become links. */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

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

type Frame = { tag: string; props: Record<string, unknown>; children: ComponentChildren[] };

/** Builds Preact children from a token list (block or inline); unknown tokens become text. */
function build(
  tokens: Token[],
  options: { mentions: (text: string) => ComponentChildren[] },
): ComponentChildren[] {
  const root: Frame = { tag: "", props: {}, children: [] };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1];
  for (const token of tokens) {
    const base = token.type.replace(/_(open|close)$/, "");
    if (token.type.endsWith("_open") && CONTAINERS[base]) {
      const props: Record<string, unknown> = {};
      if (base === "link") {
        const href = safeHref(String(token.attrGet("href") ?? ""));
        if (href) {
          props.href = href;
          props.target = "_blank";
          props.rel = "noopener noreferrer nofollow ugc";
        }
      }
      if (base === "ordered_list") {
        const start = Number(token.attrGet("start") ?? 1);
        if (Number.isInteger(start) && start !== 1) props.start = start;
      }
      // A link whose target was refused renders as a plain span (its text stays).
      // Tight lists' paragraphs are hidden: their text goes straight into the item.
      const tag = token.hidden ? "" : base === "link" && !props.href ? "span" : CONTAINERS[base];
      stack.push({ tag, props, children: [] });
      continue;
    }
    if (token.type.endsWith("_close") && CONTAINERS[base]) {
      if (stack.length === 1) continue;
      const frame = stack.pop()!;
      if (frame.tag) top().children.push(h(frame.tag, frame.props, ...frame.children));
      else top().children.push(...frame.children);
      continue;
    }
    switch (token.type) {
      case "inline":
        top().children.push(...build(token.children ?? [], options));
        break;
      case "text":
        top().children.push(
          ...(stack.some((f) => f.tag === "a") ? [token.content] : options.mentions(token.content)),
        );
        break;
      case "code_inline":
        top().children.push(h("code", null, token.content));
        break;
      case "fence":
      case "code_block":
        top().children.push(h("pre", null, h("code", null, token.content.replace(/\n$/, ""))));
        break;
      case "softbreak":
      case "hardbreak":
        top().children.push(h("br", null));
        break;
      default:
        // Not on the allow-list: its text, as text.
        if (token.content) top().children.push(token.content);
    }
  }
  // Unclosed frames (cannot happen with markdown-it's output, but never drop text).
  while (stack.length > 1) {
    const frame = stack.pop()!;
    if (frame.tag) top().children.push(h(frame.tag, frame.props, ...frame.children));
    else top().children.push(...frame.children);
  }
  return root.children;
}

/**
 * Renders message text as Preact elements. `isMention(username)` picks the `@names` to
 * highlight (e.g. the participants); `me` gets a stronger highlight.
 */
export function renderMarkdown(
  text: string,
  options: { isMention?: (username: string) => boolean; me?: string } = {},
): VNode<unknown> {
  const mentions = (chunk: string): ComponentChildren[] => {
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
  };
  return h("div", { class: "markdown" }, ...build(md.parse(text, {}), { mentions })) as VNode<
    unknown
  >;
}
