import type { ComponentChildren } from "preact";
import { Layout } from "../components/Layout.tsx";
import { renderDocument } from "../lib/ssr.tsx";
import type { AppCtx } from "./_http.ts";

/** Answers with a full HTML page in the app's layout. Pages hold private data: no caching. */
export function page(
  c: AppCtx,
  options: {
    title: string;
    status?: 200 | 400 | 401 | 403 | 404 | 409 | 429 | 500;
    children: ComponentChildren;
  },
): Response {
  const html = renderDocument(
    <Layout title={options.title} assetsId={c.get("ctx").assets.id}>{options.children}</Layout>,
  );
  c.header("Cache-Control", "no-store");
  return c.html(html, options.status ?? 200);
}
