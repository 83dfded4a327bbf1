/**
 * The HTTP ceiling for `deno task bench`: a bare Hono route returning a short text, on the same
 * Deno, driven by the same load generator in the same run. Also answers `/error` with a 500
 * (the bench harness's own test uses it to show that errors fail loudly).
 * Usage: `deno run -A bench/bare_hono.ts <port>`.
 */
import { Hono } from "hono";

const port = Number(Deno.args[0] ?? 8002);
const app = new Hono()
  .get("/", (c) => c.text("ok"))
  .get("/error", (c) => c.text("failed", 500));

Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
