import type { AppCtx } from "./_http.ts";

/** An address as a proxy writes it: IPv4 or IPv6 characters only (anything else is ignored). */
const FORWARDED_ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * The client's address, for per-address limits and the session list: the socket peer, or
 * with TRUST_PROXY the last X-Forwarded-For entry (the one our own proxy appended; what the
 * client wrote before it is the client's word and ignored). Without TRUST_PROXY every client
 * behind a proxy would share its address, and so its limits.
 */
export function clientAddress(c: AppCtx): string {
  if (c.get("ctx").config.trustProxy) {
    const hops = (c.req.header("x-forwarded-for") ?? "").split(",");
    const last = hops[hops.length - 1].trim();
    if (FORWARDED_ADDRESS.test(last)) return last;
  }
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
