/** HTTP pieces for serving stored files: byte ranges and a safe Content-Disposition. */
import { PREVIEW_TYPES } from "../shared/limits.ts";
import { cleanFileName } from "../shared/names.ts";

export type ByteRange = { start: number; end: number };

/**
 * Parses a single-range `Range: bytes=…` header against a size. Returns null when there is
 * no usable Range (absent, another unit, or several ranges: the whole file is sent) and
 * "unsatisfiable" when it asks for bytes the file does not have (answered 416).
 */
export function parseRange(
  header: string | null | undefined,
  size: number,
): ByteRange | null | "unsatisfiable" {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/**
 * `attachment` (or `inline`) with an ASCII fallback name and the exact name as RFC 8187
 * `filename*`. Quotes, backslashes, control and non-ASCII characters never reach the
 * header raw, so a file name cannot inject headers or break out of the quotes. The name is
 * cleaned first (its last path segment, no bidi or zero-width characters), whatever is stored.
 */
export function contentDisposition(
  stored: string,
  kind: "attachment" | "inline" = "attachment",
): string {
  const name = cleanFileName(stored);
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_") || "file";
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Raster image types a browser may show inline from our origin (never SVG, HTML or XML): the
 * same list the islands preview, written once in lib/shared/limits.ts.
 */
export const SAFE_INLINE_TYPES: ReadonlySet<string> = new Set(PREVIEW_TYPES);
