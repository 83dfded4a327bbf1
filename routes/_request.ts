import type { AppCtx } from "./_http.ts";

/** The client's address as the server saw it (the socket peer), for rate limits. */
export function clientAddress(c: AppCtx): string {
  const info = (c.env as { remoteAddr?: Deno.NetAddr } | undefined)?.remoteAddr;
  return info?.hostname ?? "unknown";
}

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//")) return "/";
  // Browsers drop tabs and line breaks from URLs ("/\t/evil.example" is "//evil.example")
  // and read "\" as "/": refuse any of them, and header-breaking characters with them.
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f\\]/.test(next)) return "/";
  return next;
}
