/**
 * The API's description, kept where the routes are. A route under /api or /hooks says what it
 * is with `doc({...})` as its first handler, naming the very zod schemas it validates with;
 * `readBody` and `readQuery` (routes/_http.ts) refuse to run with any other schema than the one
 * documented, so the document cannot drift from what the route checks. `openApiDocument`
 * walks the app's route table and turns those descriptions into OpenAPI 3.1 (zod-openapi
 * converts the schemas), served at /api/openapi.json (routes/api/openapi.ts).
 */
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { createDocument } from "zod-openapi";

/** Who may call a route: anyone, a signed-in person (cookie or bearer token), a site admin, or whoever holds the secret in its URL. */
export type RouteAuth = "none" | "user" | "admin" | "url";

export type ResponseDoc = string | {
  description: string;
  /** The JSON answer's shape, when it has one worth showing. */
  schema?: z.ZodType;
  /** A media type other than JSON (a page, a file, an event stream). */
  type?: string;
};

export type RouteDoc = {
  /** One line: what the route does, for the list. */
  summary: string;
  /** More, when the summary is not all (rules, limits, what a form post gets instead). */
  description?: string;
  /** The group it is listed under ("Messages", "Tokens", …). */
  tag: string;
  /** Default "user". */
  auth?: RouteAuth;
  /** The schema `readBody` validates the body with. */
  body?: z.ZodType;
  /**
   * The schema a form's body (urlencoded or multipart) is read with, when it is not `body`'s
   * (then `body` is JSON's): forms send only strings ("true", "on").
   */
  formBody?: z.ZodType;
  /** Which encodings the body may come in (default: JSON). */
  bodyTypes?: ("json" | "form" | "multipart")[];
  /** The schema `readQuery` validates the query string with. */
  query?: z.ZodType;
  /** Path parameters, when they are more than strings (default: each a string). */
  params?: z.ZodObject;
  /** Status code → what it means (and the JSON answer's schema). */
  responses: Record<number, ResponseDoc>;
};

/** Every doc() middleware → what it documents (found again in the app's route table). */
const described = new WeakMap<object, RouteDoc>();

/** Documents the route it is the first handler of; puts the description on the request. */
export function doc(spec: RouteDoc): MiddlewareHandler {
  const middleware: MiddlewareHandler = (c, next) => {
    // routes/_http.ts's Env names it (not imported here: _http.ts imports this module).
    (c as unknown as { set(key: string, value: unknown): void }).set("routeDoc", spec);
    return next();
  };
  described.set(middleware, spec);
  return middleware;
}

/** What is read of a Hono app: its route table (any app, whatever its Env). */
export type RouteTable = { routes: { method: string; path: string; handler: unknown }[] };

/** A documented route of the app: the method, the path as Hono writes it, and its doc. */
export type DocumentedRoute = { method: string; path: string; doc: RouteDoc };

/** The documented routes in the app's table (after every `app.route` mount). */
export function documentedRoutes(app: RouteTable): DocumentedRoute[] {
  const out: DocumentedRoute[] = [];
  for (const route of app.routes) {
    const spec = described.get(route.handler as object);
    if (spec) out.push({ method: route.method, path: route.path, doc: spec });
  }
  return out;
}

/** Hono's `/api/x/:id{[0-9]+}` as OpenAPI's `/api/x/{id}`, and the parameter names. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

const errorSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: "A stable, machine-readable code." }),
    message: z.string().meta({ description: "What went wrong, in words for a person." }),
    fields: z.record(z.string(), z.string()).optional().meta({
      description: "Invalid fields → what is wrong with each.",
    }),
    requestId: z.string().optional(),
  }),
}).meta({ id: "Error" });

const MEDIA = {
  json: "application/json",
  form: "application/x-www-form-urlencoded",
  multipart: "multipart/form-data",
} as const;

function security(auth: RouteAuth) {
  return auth === "user" || auth === "admin" ? [{ bearerAuth: [] }, { cookieAuth: [] }] : [];
}

function response(status: number, spec: ResponseDoc) {
  const r = typeof spec === "string" ? { description: spec } : spec;
  if (r.type) return { description: r.description, content: { [r.type]: {} } };
  if (r.schema) {
    return { description: r.description, content: { "application/json": { schema: r.schema } } };
  }
  if (status >= 400) {
    return { description: r.description, content: { "application/json": { schema: errorSchema } } };
  }
  return { description: r.description };
}

/**
 * A route's answers as documented: its own, and those every route of its kind gives (401 for
 * a route that needs a signed-in caller, 403 for an admin's, 415 for one that reads a body),
 * unless it says them itself.
 */
export function documentedResponses(d: RouteDoc): Record<number, ResponseDoc> {
  const auth = d.auth ?? "user";
  const implied: Record<number, ResponseDoc> = {};
  if (auth === "user" || auth === "admin") {
    implied[401] = "Not signed in, or an unknown, revoked or expired bearer token " +
      "(`invalid_token`, with `WWW-Authenticate`).";
  }
  if (auth === "admin") implied[403] = "Not a site admin.";
  if (d.body) implied[415] = "A body that is neither JSON nor a form.";
  return { ...implied, ...d.responses };
}

/** The OpenAPI 3.1 document of every documented route of `app`. */
export function openApiDocument(
  app: RouteTable,
  info: { title: string; version: string; description?: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const { method, path, doc: d } of documentedRoutes(app)) {
    const { path: oaPath, params } = openApiPath(path);
    const verb = method.toLowerCase();
    const pathParams = d.params ??
      (params.length
        ? z.object(Object.fromEntries(params.map((p) => [p, z.string()])))
        : undefined);
    let operationId = `${verb}${
      oaPath.replace(/\{([^}]+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_, ch?: string) =>
        ch ? ch.toUpperCase() : "")
    }`;
    while (operationIds.has(operationId)) operationId += "_";
    operationIds.add(operationId);
    const auth = d.auth ?? "user";
    const operation: Record<string, unknown> = {
      operationId,
      summary: d.summary,
      ...(d.description ? { description: d.description } : {}),
      tags: [d.tag],
      security: security(auth),
      // Who may call it, finer than `security` says (an admin's route; a secret in the URL).
      "x-hearth-auth": auth,
      requestParams: {
        ...(pathParams ? { path: pathParams } : {}),
        ...(d.query ? { query: d.query } : {}),
      },
      responses: Object.fromEntries(
        Object.entries(documentedResponses(d)).map((
          [status, r],
        ) => [status, response(Number(status), r)]),
      ),
    };
    if (d.body) {
      operation.requestBody = {
        required: true,
        content: Object.fromEntries(
          (d.bodyTypes ?? ["json"]).map((t) => [
            MEDIA[t],
            { schema: t !== "json" && d.formBody ? d.formBody : d.body },
          ]),
        ),
      };
    }
    (paths[oaPath] ??= {})[verb] = operation;
  }
  return createDocument({
    openapi: "3.1.0",
    info,
    paths: paths as never,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "A personal access token or a bot's token (`Authorization: Bearer …`).",
        },
        cookieAuth: {
          type: "apiKey",
          in: "cookie",
          name: "sid",
          description: "The browser's session (`__Host-sid` over https). " +
            "Unsafe methods also need a same-origin `Origin`.",
        },
      },
    },
  }) as unknown as Record<string, unknown>;
}

/**
 * Thrown (a 500: a programming error, found by any test of the route) when a documented route
 * validates with a schema its doc does not name.
 */
export function assertDocumented(
  spec: RouteDoc | undefined,
  part: "body" | "query",
  schema: z.ZodType,
): void {
  if (spec && spec[part] !== schema && !(part === "body" && spec.formBody === schema)) {
    throw new Error(
      `The route "${spec.summary}" validates its ${part} with a schema its doc() does not name.`,
    );
  }
}
