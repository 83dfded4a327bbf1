/**
 * Limits that the server enforces and the browser checks first (to say so before a round
 * trip): written once here, imported by both.
 */

/** Characters in one message. */
export const MAX_MESSAGE_CHARS = 4000;
/** What a person is told when a message is longer. */
export const MESSAGE_TOO_LONG = "Keep messages under 4,000 characters.";
/** Characters of a search query: the search box stops there, the page reads no more. */
export const MAX_QUERY_CHARS = 200;
/** Files one message may carry. */
export const MAX_ATTACHMENTS = 10;
/** WebSocket frames larger than this are refused with an error frame (the contract's 64 KiB). */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Raster types the server shows inline (its SAFE_INLINE_TYPES): never SVG. */
export const PREVIEW_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"];

/** A byte count as people read it: "512 B", "1.5 KB", "25.0 MB". */
export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}
