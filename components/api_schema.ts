/**
 * Reading the OpenAPI document for the docs page (components/ApiDocs.tsx): JSON Schemas as
 * rows of fields a person reads ("name, type, required, limits, description"), and the
 * document's operations grouped by tag. Pure functions over the JSON, no zod.
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
  format?: string;
  pattern?: string;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
};

/** One field of a body or a parameter, as the page shows it. */
export type FieldRow = {
  name: string;
  type: string;
  required: boolean;
  /** Limits and defaults in words ("1–100 characters", "default 50"). */
  notes: string[];
  description?: string;
};

type Components = Record<string, JsonSchema>;

/** The schema a `$ref` names (`#/components/schemas/X`), or the schema itself. */
export function resolve(schema: JsonSchema | undefined, components: Components): JsonSchema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) {
    s = components[s.$ref.replace("#/components/schemas/", "")] ?? {};
  }
  return s;
}

/** The variants of a union, or the schema alone. */
function variants(s: JsonSchema): JsonSchema[] {
  return s.anyOf ?? s.oneOf ?? [s];
}

/** A short name for a schema's type: "string", "integer", "\"a\" | \"b\"", "string[]". */
export function typeName(
  schema: JsonSchema | undefined,
  components: Components,
  depth = 0,
): string {
  const s = resolve(schema, components);
  const named = schema?.$ref?.replace("#/components/schemas/", "");
  if (named) return named;
  if (depth > 3) return "…";
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.anyOf || s.oneOf) {
    const names = variants(s).map((v) => typeName(v, components, depth + 1));
    return [...new Set(names)].join(" | ");
  }
  if (s.allOf?.length) return typeName(s.allOf[0], components, depth + 1);
  const type = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  if (type === "array") return `${typeName(s.items, components, depth + 1)}[]`;
  if (type === "string" && s.format) return `string (${s.format})`;
  return type ?? "any";
}

/** The limits a person needs to send a valid value. */
export function notesOf(schema: JsonSchema | undefined, components: Components): string[] {
  // A named shape's limits are told where the shape is.
  if (schema?.$ref) return [];
  const s = resolve(schema, components);
  const out: string[] = [];
  const range = (min: number | undefined, max: number | undefined, unit: string) => {
    if (min !== undefined && max !== undefined) out.push(`${min}–${max}${unit}`);
    else if (min !== undefined && min > 0) out.push(`at least ${min}${unit}`);
    else if (max !== undefined) out.push(`at most ${max}${unit}`);
  };
  range(s.minLength, s.maxLength, " characters");
  // No one needs telling that a seq stops at 2^53.
  const max = s.maximum !== undefined && s.maximum >= Number.MAX_SAFE_INTEGER
    ? undefined
    : s.maximum;
  range(s.minimum ?? s.exclusiveMinimum, max, "");
  range(s.minItems, s.maxItems, " items");
  // A format (date-time, email) says more than the pattern that checks it.
  if (s.pattern && !s.format) out.push(`matches ${s.pattern}`);
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  return out;
}

/**
 * The fields of an object schema, nested objects' as `parent.child` (two levels). A union of
 * objects lists every variant's fields (required only when required in all).
 */
export function fieldRows(
  schema: JsonSchema | undefined,
  components: Components,
  prefix = "",
  depth = 0,
): FieldRow[] {
  const s = resolve(schema, components);
  const objects = variants(s).map((v) => resolve(v, components)).filter((v) => v.properties);
  const rows = new Map<string, FieldRow>();
  for (const object of objects) {
    for (const [key, prop] of Object.entries(object.properties ?? {})) {
      const name = prefix + key;
      const required = (object.required ?? []).includes(key) &&
        objects.every((o) => (o.required ?? []).includes(key));
      const p = resolve(prop, components);
      if (!rows.has(name)) {
        rows.set(name, {
          name,
          type: typeName(prop, components),
          required,
          notes: notesOf(prop, components),
          ...(p.description ?? prop.description
            ? { description: p.description ?? prop.description }
            : {}),
        });
      }
      if (depth < 2 && !prop.$ref && p.properties) {
        for (const row of fieldRows(p, components, `${name}.`, depth + 1)) rows.set(row.name, row);
      }
      // A list of inline objects: its items' fields as `name[].field`.
      const items = p.items && !p.items.$ref ? resolve(p.items, components) : null;
      if (depth < 2 && items?.properties) {
        for (const row of fieldRows(items, components, `${name}[].`, depth + 1)) {
          rows.set(row.name, row);
        }
      }
    }
  }
  return [...rows.values()];
}

export type Operation = {
  method: string;
  path: string;
  id: string;
  summary: string;
  description?: string;
  auth: string;
  tag: string;
  parameters: {
    name: string;
    in: string;
    required: boolean;
    schema: JsonSchema;
    description?: string;
  }[];
  body: { types: string[]; schema: JsonSchema; formSchema?: JsonSchema } | null;
  responses: { status: string; description: string; type?: string; schema?: JsonSchema }[];
};

const METHODS = ["get", "post", "put", "patch", "delete"];

/** The document's operations by tag (tags in first-seen order, paths as written). */
export function operationsByTag(document: Record<string, unknown>): Map<string, Operation[]> {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const out = new Map<string, Operation[]>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const tag = ((op.tags as string[] | undefined) ?? ["Other"])[0];
      const content = ((op.requestBody as { content?: Record<string, { schema: JsonSchema }> })
        ?.content) ?? null;
      const types = content ? Object.keys(content) : [];
      const json = content?.["application/json"]?.schema;
      const form = types.filter((t) => t !== "application/json").map((t) => content![t].schema)[0];
      const responses = Object.entries(
        (op.responses ?? {}) as Record<
          string,
          { description: string; content?: Record<string, { schema?: JsonSchema }> }
        >,
      ).map(([status, r]) => {
        const type = r.content ? Object.keys(r.content)[0] : undefined;
        const schema = type ? r.content![type].schema : undefined;
        return {
          status,
          description: r.description,
          ...(type ? { type } : {}),
          ...(schema ? { schema } : {}),
        };
      });
      const list = out.get(tag) ?? [];
      list.push({
        method: method.toUpperCase(),
        path,
        id: String(op.operationId ?? `${method}${path}`),
        summary: String(op.summary ?? ""),
        ...(op.description ? { description: String(op.description) } : {}),
        auth: String(op["x-hearth-auth"] ?? "user"),
        tag,
        parameters: (op.parameters ?? []) as Operation["parameters"],
        body: content
          ? {
            types,
            schema: (json ?? form)!,
            ...(json && form && JSON.stringify(json) !== JSON.stringify(form)
              ? { formSchema: form }
              : {}),
          }
          : null,
        responses,
      });
      out.set(tag, list);
    }
  }
  return out;
}

/** An answer's shape on one line: `{message: Message}`, `{users: User[], nextCursor: string | null}`. */
export function shapeLine(schema: JsonSchema, components: Components): string {
  const s = schema.$ref ? null : resolve(schema, components);
  if (!s?.properties) return typeName(schema, components);
  const fields = Object.entries(s.properties).map(([key, prop]) => {
    const optional = (s.required ?? []).includes(key) ? "" : "?";
    return `${key}${optional}: ${typeName(prop, components)}`;
  });
  return `{${fields.join(", ")}}`;
}
