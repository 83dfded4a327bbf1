/**
 * Names people see (display names, conversation titles, project names, file names): shown as
 * written, but without the characters that let one name pass for another. Shared, so the
 * server cleans what it stores and what it reads back the same way.
 */

/**
 * A zero-width joiner is kept only inside an emoji sequence (👩‍💻: between a pictograph, or
 * one with a skin tone or emoji presentation, and the next pictograph); anywhere else it hides.
 */
const STRAY_ZWJ =
  /(?<![\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F])\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
/**
 * Unseen characters that change what is seen: format characters (bidi embeddings, overrides,
 * isolates and marks such as U+202E, zero-width spaces, word joiners, BOM, tags, soft hyphen)
 * other than a ZWJ, controls (NUL…) and the Hangul fillers and combining grapheme joiner
 * that render as nothing.
 */
const INVISIBLE = /(?!\u200D)\p{Cf}|\p{Cc}|[\u034F\u115F\u1160\u3164\uFFA0]/gu;
/** Any run of spacing (tabs, line breaks, U+2028, wide spaces) is one space. */
const SPACING = /[\s\u2028\u2029]+/gu;

/** `text` without control, bidi or zero-width characters, spacing runs as one space, trimmed. */
export function cleanName(text: string): string {
  return text.normalize("NFC")
    .replace(/[\t\n\r\u2028\u2029]/g, " ")
    .replace(STRAY_ZWJ, "")
    .replace(INVISIBLE, "")
    .replace(SPACING, " ")
    .trim();
}

/** Scripts told apart when a name mixes them (others count as "other"). */
const SCRIPTS = [
  "Latin",
  "Cyrillic",
  "Greek",
  "Armenian",
  "Georgian",
  "Hebrew",
  "Arabic",
  "Syriac",
  "Thaana",
  "Devanagari",
  "Bengali",
  "Tamil",
  "Thai",
  "Lao",
  "Ethiopic",
  "Cherokee",
  "Han",
  "Hiragana",
  "Katakana",
  "Hangul",
  "Bopomofo",
].map((name) => ({ name, test: new RegExp(`^\\p{Script=${name}}$`, "u") }));

/** A letter that belongs to one script (not Common or Inherited, such as "ー"). */
const LETTER_OF_A_SCRIPT = /^(?![\p{Script=Common}\p{Script=Inherited}])\p{L}$/u;

/**
 * Scripts that are written together (Unicode TS #39's "highly restrictive" sets): Japanese,
 * Chinese with Bopomofo, Korean, each with Latin.
 */
const WRITTEN_TOGETHER = [
  ["Latin", "Han", "Hiragana", "Katakana"],
  ["Latin", "Han", "Bopomofo"],
  ["Latin", "Han", "Hangul"],
];

/**
 * Whether a name's letters come from scripts that are not written together: "аdmin" with a
 * Cyrillic "а", "Pаypal"; not "Zoë", "Алёна", "山田 Taro" or "東京タワー".
 */
export function mixesScripts(name: string): boolean {
  const found = new Set<string>();
  for (const ch of name) {
    if (!LETTER_OF_A_SCRIPT.test(ch)) continue;
    found.add(SCRIPTS.find((s) => s.test.test(ch))?.name ?? "other");
  }
  if (found.size <= 1) return false;
  return !WRITTEN_TOGETHER.some((set) => [...found].every((s) => set.includes(s)));
}

/** What follows a display name that mixes scripts, wherever it is shown. */
export const MIXED_SCRIPTS_MARK = " [mixed scripts]";

/** A display name as others see it: cleaned, and marked when it mixes scripts. */
export function shownDisplayName(stored: string): string {
  const name = cleanName(stored);
  return mixesScripts(name) ? name + MIXED_SCRIPTS_MARK : name;
}

/**
 * A file name to store and serve: its last path segment only (`../../etc/passwd` is
 * `passwd`), without leading dots, cleaned as any name, at most 255 characters with its
 * extension kept; "file" when nothing is left.
 */
export function cleanFileName(name: string): string {
  const last = cleanName(name).split(/[/\\]/).pop() ?? "";
  const cleaned = cleanName(last.replace(/^[.\s]+/, ""));
  const chars = [...cleaned];
  if (chars.length <= 255) return cleaned || "file";
  const dot = cleaned.lastIndexOf(".");
  const ext = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : "";
  return chars.slice(0, 255 - [...ext].length).join("") + ext;
}
