/**
 * Reading a page's preview from its HTML: OpenGraph (`og:title`, `og:description`,
 * `og:site_name`, `og:image`), then Twitter cards, then `<title>` and the meta description.
 * No DOM: the tags are scanned as text (the page is someone else's; nothing of it runs or is
 * kept as markup). Every value comes out as plain text: entities decoded, control, bidi and
 * zero-width characters removed, spaces collapsed, cut to PREVIEW_LIMITS.
 */
import { PREVIEW_LIMITS } from "../shared/message.ts";

/** What a page says of itself (`imageUrl`: absolute https, or absent). */
export type PageFacts = {
  title: string;
  description: string;
  siteName: string;
  imageUrl?: string;
};

/**
 * The characters a page's text loses: controls (C0, C1) and format characters (bidi controls
 * and isolates, zero-width marks, the BOM), and fillers that show as nothing.
 */
const UNWANTED = /\p{Cc}|\p{Cf}|[\u034F\u115F\u1160\u3164\uFFA0]/gu;

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  middot: "·",
  bull: "•",
  copy: "©",
  reg: "®",
  trade: "™",
  euro: "€",
  pound: "£",
  yen: "¥",
  eacute: "é",
  egrave: "è",
  agrave: "à",
  uuml: "ü",
  ouml: "ö",
  auml: "ä",
  szlig: "ß",
};

/** HTML character references decoded (numeric ones and the common named ones). */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});?/g,
    (m, ref) => {
      if (ref[0] === "#") {
        const code = ref[1] === "x" || ref[1] === "X"
          ? parseInt(ref.slice(2), 16)
          : parseInt(ref.slice(1), 10);
        // Surrogates and out-of-range code points are not characters: the replacement one.
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0) return "\ufffd";
        return String.fromCodePoint(code);
      }
      return NAMED[ref] ?? NAMED[ref.toLowerCase()] ?? m;
    },
  );
}

/** A page's text as a preview shows it: decoded, cleaned, one line, at most `max` characters. */
export function cleanText(raw: string, max: number): string {
  const text = decodeEntities(raw)
    .normalize("NFC")
    .replace(UNWANTED, " ")
    .replace(/\s+/g, " ")
    .trim();
  const chars = [...text];
  if (chars.length <= max) return text;
  return chars.slice(0, max - 1).join("").trimEnd() + "…";
}

/** The attributes of one tag's text (`<meta a="b" c='d' e=f>`), names lowercased. */
function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const m of tag.matchAll(re)) {
    const name = m[1].toLowerCase();
    if (!out.has(name)) out.set(name, m[2] ?? m[3] ?? m[4] ?? "");
  }
  return out;
}

/**
 * The head's `<meta>` tags and first `<title>`, read in document order as a browser tokenizes
 * them: comments skipped, the text of scripts, styles and the title taken as text (a tag
 * inside them is not one), reading stopped at `</head>` or `<body>`.
 */
function scanHead(html: string): { meta: Map<string, string>; title: string } {
  const meta = new Map<string, string>();
  let title: string | null = null;
  const tag = /<!--|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>/g;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    if (m[0] === "<!--") {
      const close = html.indexOf("-->", tag.lastIndex);
      if (close < 0) break;
      tag.lastIndex = close + 3;
      continue;
    }
    const name = m[2].toLowerCase();
    if (m[1]) {
      if (name === "head") break;
      continue;
    }
    if (name === "body") break;
    if (name === "meta") {
      const attrs = attributes(m[3]);
      const key = (attrs.get("property") ?? attrs.get("name") ?? "").trim().toLowerCase();
      const content = attrs.get("content");
      if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
    } else if (["title", "script", "style", "noscript", "template", "textarea"].includes(name)) {
      // Raw text up to its own end tag (or the end of what was read).
      const end = new RegExp(`</${name}\\s*>`, "i");
      const rest = html.slice(tag.lastIndex);
      const close = rest.search(end);
      const text = close < 0 ? rest : rest.slice(0, close);
      if (name === "title" && title === null) title = text;
      if (close < 0) break;
      tag.lastIndex += close + (end.exec(rest)?.[0].length ?? 0);
    }
  }
  return { meta, title: title ?? "" };
}

/** The facts of an HTML page at `pageUrl`, or null when it names no title at all. */
export function parsePage(html: string, pageUrl: string): PageFacts | null {
  const { meta, title: titleTag } = scanHead(html);
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = meta.get(k);
      if (v !== undefined && v.trim() !== "") return v;
    }
    return "";
  };
  const title = cleanText(pick("og:title", "twitter:title") || titleTag, PREVIEW_LIMITS.title);
  if (!title) return null;
  const description = cleanText(
    pick("og:description", "twitter:description", "description"),
    PREVIEW_LIMITS.description,
  );
  const host = new URL(pageUrl).hostname.replace(/^www\./, "");
  const siteName = cleanText(
    pick("og:site_name", "application-name") || host,
    PREVIEW_LIMITS.siteName,
  );
  const imageUrl = imageOf(
    pick("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"),
    pageUrl,
  );
  return { title, description, siteName, ...(imageUrl ? { imageUrl } : {}) };
}

/** The image's absolute address (relative ones resolved against the page), https only. */
function imageOf(raw: string, pageUrl: string): string | undefined {
  const text = decodeEntities(raw).trim();
  if (!text || text.length > 2000) return undefined;
  try {
    const url = new URL(text, pageUrl);
    // The page's own scheme is allowed for pages on plain http (tests' private switch); the
    // fetch checks it again under the same rules as the page.
    if (url.protocol === "https:" || url.protocol === new URL(pageUrl).protocol) return url.href;
  } catch {
    // not an address
  }
  return undefined;
}

/** The charset an answer's Content-Type or the page's own `<meta charset>` names (utf-8). */
export function decodeHtml(body: Uint8Array, contentType: string): string {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1];
  const ascii = new TextDecoder("latin1").decode(body.subarray(0, 2048));
  const fromMeta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(ascii)?.[1];
  for (const label of [fromHeader, fromMeta, "utf-8"]) {
    if (!label) continue;
    try {
      return new TextDecoder(label).decode(body);
    } catch {
      // an unknown label: the next one
    }
  }
  return new TextDecoder().decode(body);
}
