/**
 * The API's description for programs and people (mounted at /api): `GET /api/openapi.json`,
 * the OpenAPI 3.1 document built from every route's doc() (routes/_openapi.ts), and
 * `GET /api/docs`, the same read as a page (components/ApiDocs.tsx). Both public: the API's
 * shape is no secret, and a program's author may have no account yet.
 */
import { Hono } from "hono";
import { h } from "preact";
import { ApiDocs } from "../../components/ApiDocs.tsx";
import type { Env } from "../_http.ts";
import { doc, openApiDocument } from "../_openapi.ts";
import { page, siteName } from "../_page.tsx";

/** The API's version: its paths and shapes change only in ways old clients keep working with. */
export const API_VERSION = "1.0.0";

const DESCRIPTION = "The API of a Hearth team chat. Programs sign in with a personal access " +
  "token or a bot's token (`Authorization: Bearer hth_…`, made on the account page or with " +
  "`POST /api/tokens`); the browser uses its session cookie. Errors answer " +
  "`{error: {code, message, fields?}}`. Live events: a WebSocket at `/api/ws` (the same " +
  "bearer token). Integrations: incoming webhooks post to `/hooks/{id}/{secret}`.";

/** `app()` is the whole app, whose routes the document describes (read once, when first asked). */
export function openApiRoutes(app: () => Hono<Env>): Hono<Env> {
  // Built on first use, when every route is mounted; the title follows the site's name.
  let built: Record<string, unknown> | null = null;
  const document = (title: string) => {
    built ??= openApiDocument(app(), {
      title: "Hearth",
      version: API_VERSION,
      description: DESCRIPTION,
    });
    return { ...built, info: { ...(built.info as object), title } };
  };
  return new Hono<Env>()
    .get(
      "/openapi.json",
      doc({
        tag: "API",
        summary: "This API's description: an OpenAPI 3.1 document.",
        auth: "none",
        responses: { 200: "The OpenAPI document (JSON)." },
      }),
      (c) => {
        c.header("Cache-Control", "public, max-age=300");
        return c.json(document(siteName(c)));
      },
    )
    .get(
      "/docs",
      doc({
        tag: "API",
        summary: "This API's description as a page to read.",
        auth: "none",
        responses: { 200: { description: "The page.", type: "text/html" } },
      }),
      (c) => {
        const name = siteName(c);
        return page(c, {
          title: "API",
          children: h(ApiDocs, { document: document(name), siteName: name }),
        });
      },
    );
}
