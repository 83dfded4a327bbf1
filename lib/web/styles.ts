import { defineConfig, stringify, twind, virtual } from "@twind/core";
import presetAutoprefix from "@twind/preset-autoprefix";
import presetTailwind from "@twind/preset-tailwind";
import { SHORTCUTS } from "./style_shortcuts.ts";

/** Text fields (every input but boxes, buttons, sliders and file pickers) and selects. */
const FIELDS =
  "input:not([type=checkbox],[type=radio],[type=range],[type=color],[type=file],[type=submit],[type=button],[type=reset],[type=image]), textarea, select";

/**
 * One stylesheet for the whole app, made by twind from every class written in the source.
 * Twind on the server styles only what it sees; islands add classes after hydration (pending
 * messages, error states), so rather than extracting per render we feed twind every
 * class-like token of routes/, components/ and islands/. Rule: write class names whole
 * (never `bg-${color}-500`), as with Tailwind.
 */
export function buildStylesheet(sources: string[]): string {
  const tw = twind(
    defineConfig({
      presets: [presetAutoprefix(), presetTailwind()],
      // `dark:` follows the class that static/theme.js sets (the system's choice, or yours);
      // without that script (no JavaScript) the system's choice, by media query (withSystemDark).
      darkMode: "class",
      // Short names for utility lists repeated on every message (style_shortcuts.ts).
      rules: SHORTCUTS,
      // Formatted messages (lib/messages/markdown.tsx) are plain elements: style them by context.
      preflight: {
        // Form controls and scrollbars follow the theme.
        ":root": { colorScheme: "light" },
        ":root.dark": { colorScheme: "dark" },
        // Fields and dialogs in the theme's colours, not the browser's grey of `color-scheme:
        // dark`. `:where` keeps these at no specificity: a class on the element still wins.
        [`:where(${FIELDS}, dialog)`]: { "@apply": "bg-white text-slate-900" },
        [`:where(.dark) :where(${FIELDS})`]: { "@apply": "bg-slate-950 text-slate-100" },
        ":where(.dark) :where(dialog)": {
          "@apply": "bg-slate-900 text-slate-100 ring-1 ring-slate-700",
        },
        ".markdown > * + *": { "@apply": "mt-1.5" },
        ".markdown strong": { "@apply": "font-semibold" },
        ".markdown em": { "@apply": "italic" },
        ".markdown s": { "@apply": "line-through" },
        ".markdown a": { "@apply": "text-indigo-600 underline hover:text-indigo-500" },
        ".markdown code": { "@apply": "rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em]" },
        ".markdown pre": {
          "@apply": "overflow-x-auto rounded-lg bg-slate-900 p-3 text-slate-100 leading-snug",
        },
        ".markdown pre code": { "@apply": "bg-transparent p-0 text-[0.8rem]" },
        ".markdown ul": { "@apply": "list-disc pl-5" },
        ".markdown ol": { "@apply": "list-decimal pl-5" },
        ".markdown blockquote": { "@apply": "border-l-4 border-slate-300 pl-3 text-slate-600" },
        ".dark .markdown a": { "@apply": "text-indigo-300 hover:text-indigo-200" },
        ".dark .markdown code": { "@apply": "bg-slate-800 text-slate-100" },
        ".dark .markdown pre": { "@apply": "bg-black" },
        ".dark .markdown pre code": { "@apply": "bg-transparent" },
        ".dark .markdown blockquote": { "@apply": "border-slate-600 text-slate-300" },
        // A mention (lib/shared/formatted.tsx) in dark mode: not a light chip on a dark page.
        ".dark .mention": { "@apply": "bg-indigo-900 text-indigo-100" },
        ".dark .mention-me": { "@apply": "bg-amber-700 text-amber-50" },
        // A conversation you can only read (ChatRoom, once you are removed): no message actions.
        "[data-read-only] .msg-bar": { "@apply": "hidden" },
        "[data-read-only] .chip": { "@apply": "pointer-events-none" },
        // …and the page around it (a project's member actions, its file area) stops offering
        // what only a member may do: ChatRoom marks the document once you are removed.
        "[data-removed] [data-member-only]": { "@apply": "hidden" },
        // Messages above the newest 20 are laid out and painted only once scrolled near
        // (`content-visibility: auto`): with older history loaded, a change of the list's width
        // (the thread panel, a resize) re-wraps only the rows near the view (docs/benchmarks.md
        // "ChatRoom live"; a cold load gains little). Until then a message counts as 72 px
        // high, and once laid out as high as it last was (`auto`). The newest 20 are always
        // laid out, so the page opens exactly at its end.
        // As messages above the view turn from 72 px to their real height, the view must not
        // move: Chromium's scroll anchoring (`overflow-anchor: auto`, the default) holds the
        // message in view while you scroll, and islands/chat/use_scroll.ts puts it back when
        // older pages come in. A browser without scroll anchoring lays out every message, as
        // before.
        // Paint containment would clip what a message draws outside its box, so this is off on
        // the row that shows the toolbar (drawn above it), a highlighted row's ring, and the row
        // under the pointer or focus. It is off on every row while the jump to the latest
        // scrolls (`data-to-end`), so that it aims at where the end really is. A row's height
        // stays remembered through these: its own rule, as it is dropped whenever
        // `contain-intrinsic-size: auto` stops applying.
        "@supports (overflow-anchor: auto)": {
          "li.msg:nth-last-child(n+21)": { containIntrinsicSize: "auto 72px" },
          "li.msg:nth-last-child(n+21):not(:hover,:focus-within,:target,.msg-hl,:has(.msg-bar),[data-to-end] li)":
            { contentVisibility: "auto" },
        },
        // A message opened from search (`#m<seq>`) stands out.
        "li[data-seq]:target": { "@apply": "rounded-lg bg-amber-50 ring-2 ring-amber-200" },
        ".dark li[data-seq]:target": { "@apply": "bg-amber-950 ring-amber-700" },
      },
      theme: {
        extend: {
          // Tailwind 3.3's darkest shades (the preset predates them), for dark mode.
          colors: {
            slate: { 950: "#020617" },
            indigo: { 950: "#1e1b4b" },
            emerald: { 950: "#022c22" },
            red: { 950: "#450a0a" },
            amber: { 950: "#451a03" },
          },
          fontFamily: {
            sans: [
              "Inter",
              "ui-sans-serif",
              "system-ui",
              "-apple-system",
              "Segoe UI",
              "sans-serif",
            ],
          },
        },
      },
    }),
    virtual(),
  );
  for (const token of classTokens(sources)) tw(token);
  return stringify(withSystemDark(tw.target));
}

/** `.dark` in a selector, alone or after `:root` (not `.dark\:…`, a class name). */
const DARK_CLASS = /(:root)?\.dark(?![\w\\-])/g;
const HAS_DARK_CLASS = new RegExp(DARK_CLASS.source);

/**
 * The stylesheet's rules, then each rule of dark mode again for a page that has made no
 * choice: under `@media (prefers-color-scheme: dark)`, for a root with neither class.
 * static/theme.js always sets `dark` or `light` on the root, so with JavaScript the class
 * alone decides (an explicit Light wins over a dark system); without it, the server's page
 * has no class and follows the system. Same specificity as the class rule it copies
 * (`:where(:root):not(.light)` counts as one class, like `.dark`).
 */
export function withSystemDark(rules: readonly string[]): string[] {
  const copies = rules.filter((rule) => HAS_DARK_CLASS.test(selectorsOf(rule))).map((rule) =>
    `@media (prefers-color-scheme:dark){${
      rule.replace(
        DARK_CLASS,
        (_, root) => root ? ":root:not(.light)" : ":where(:root):not(.light)",
      )
    }}`
  );
  return [...rules, ...copies];
}

/** A rule's text before its declarations (with an at-rule's own condition). */
function selectorsOf(rule: string): string {
  const open = rule.startsWith("@") ? rule.indexOf("{", rule.indexOf("{") + 1) : rule.indexOf("{");
  return open < 0 ? rule : rule.slice(0, open);
}

const SEPARATORS = /[\s"'`{}<>=;]+/;
const CLASS_TOKEN = /^!?-?[a-z][a-z0-9:/.\-[\]#%()_,]*$/;

/**
 * Every class-like word of the sources. Splitting the whole text (not only string literals)
 * also finds classes inside template literals and conditionals; words that are not classes
 * (identifiers, keywords) produce no CSS, as twind ignores what it does not know.
 */
export function classTokens(sources: string[]): Set<string> {
  const tokens = new Set<string>();
  for (const src of sources) {
    for (const token of src.split(SEPARATORS)) {
      if (token.length > 1 && token.length < 80 && CLASS_TOKEN.test(token)) tokens.add(token);
    }
  }
  return tokens;
}
