/**
 * The API's description as a page (GET /api/docs), read from the OpenAPI document: the
 * operations grouped by tag, each with its method and path, who may call it, its parameters,
 * its body's fields and its answers. Server-rendered; no JavaScript needed.
 */
import type { ComponentChildren } from "preact";
import { Logo } from "./Logo.tsx";
import {
  type FieldRow,
  fieldRows,
  type JsonSchema,
  notesOf,
  type Operation,
  operationsByTag,
  resolve,
  shapeLine,
  typeName,
} from "./api_schema.ts";

type Components = Record<string, JsonSchema>;

/** The groups in the order a newcomer reads them; any other tag follows, as first met. */
const TAG_ORDER = [
  "Auth",
  "Sessions",
  "Tokens",
  "Bots",
  "Conversations",
  "Messages",
  "Threads",
  "Reactions",
  "Link previews",
  "Pins",
  "Drafts",
  "Saved",
  "Files",
  "Members",
  "Channels",
  "People",
  "Blocking",
  "Search",
  "Commands",
  "Incoming webhooks",
  "Outgoing webhooks",
  "Realtime",
  "Notifications",
  "Push",
  "Email",
  "Projects",
  "Invites",
  "Admin",
  "API",
];

function tagRank(tag: string): number {
  const i = TAG_ORDER.indexOf(tag);
  return i === -1 ? TAG_ORDER.length : i;
}

const METHOD_STYLES: Record<string, string> = {
  GET: "bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200",
  POST: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200",
  PUT: "bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200",
  PATCH: "bg-violet-100 text-violet-800 dark:bg-violet-900/60 dark:text-violet-200",
  DELETE: "bg-rose-100 text-rose-800 dark:bg-rose-900/60 dark:text-rose-200",
};

const AUTH_WORDS: Record<string, { label: string; title: string; style: string }> = {
  none: {
    label: "Public",
    title: "Anyone may call it, signed in or not.",
    style: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
  },
  user: {
    label: "Signed in",
    title: "A bearer token or the browser's session.",
    style: "bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300",
  },
  admin: {
    label: "Site admin",
    title: "A site admin's token or session.",
    style: "bg-rose-50 text-rose-700 dark:bg-rose-950 dark:text-rose-300",
  },
  url: {
    label: "Secret in the URL",
    title: "Whoever holds the secret the URL carries.",
    style: "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  },
};

const MEDIA_WORDS: Record<string, string> = {
  "application/json": "JSON",
  "application/x-www-form-urlencoded": "form",
  "multipart/form-data": "multipart form",
};

const code = "rounded bg-slate-200/70 px-1 py-0.5 font-mono text-[0.85em] dark:bg-slate-800";
const heading = "text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400";

/** Text with `code` spans, as the docs write them. */
function Text(props: { text: string }) {
  const parts = props.text.split(/`([^`]+)`/);
  return <>{parts.map((part, i) => i % 2 ? <code key={i} class={code}>{part}</code> : part)}</>;
}

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function Fields(props: { rows: FieldRow[] }) {
  return (
    <ul class="divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200 dark:divide-slate-800 dark:ring-slate-700">
      {props.rows.map((row) => (
        <li class="grid gap-1 px-3 py-2 text-sm sm:grid-cols-[13rem_1fr] sm:gap-4">
          <div class="min-w-0 break-words">
            <code class="font-mono font-semibold text-slate-900 dark:text-slate-100">
              {row.name}
            </code>
            {row.required && (
              <span class="ml-2 whitespace-nowrap text-xs font-medium text-rose-600 dark:text-rose-400">
                required
              </span>
            )}
          </div>
          <div class="min-w-0 break-words text-slate-600 dark:text-slate-300">
            <span class="font-mono text-xs text-slate-500 dark:text-slate-400">{row.type}</span>
            {row.notes.length > 0 && (
              <span class="text-xs text-slate-500 dark:text-slate-400">
                {" · "}
                {row.notes.join(", ")}
              </span>
            )}
            {row.description && (
              <p class="mt-0.5">
                <Text text={row.description} />
              </p>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

function Section(props: { title: string; children: ComponentChildren }) {
  return (
    <div class="mt-4">
      <h4 class={heading}>{props.title}</h4>
      <div class="mt-1.5">{props.children}</div>
    </div>
  );
}

function statusStyle(status: string): string {
  if (status.startsWith("2")) return "text-emerald-700 dark:text-emerald-400";
  if (status.startsWith("3")) return "text-sky-700 dark:text-sky-400";
  return "text-rose-700 dark:text-rose-400";
}

function OperationCard(props: { op: Operation; components: Components }) {
  const { op, components } = props;
  const auth = AUTH_WORDS[op.auth] ?? AUTH_WORDS.user;
  const params: FieldRow[] = op.parameters.map((p) => ({
    name: p.name,
    type: `${typeName(p.schema, components)} (${p.in})`,
    required: p.required,
    notes: notesOf(p.schema, components),
    ...(p.description ?? p.schema?.description
      ? { description: p.description ?? p.schema?.description }
      : {}),
  }));
  const bodyRows = op.body ? fieldRows(op.body.schema, components) : [];
  const formRows = op.body?.formSchema ? fieldRows(op.body.formSchema, components) : [];
  return (
    <article
      id={op.id}
      class="scroll-mt-4 rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700 sm:p-5"
      data-testid="api-operation"
    >
      <div class="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <span
          class={`rounded-md px-2 py-0.5 font-mono text-xs font-bold ${
            METHOD_STYLES[op.method] ?? ""
          }`}
        >
          {op.method}
        </span>
        <code class="min-w-0 break-all font-mono text-sm font-semibold">{op.path}</code>
        <span
          class={`rounded-full px-2 py-0.5 text-xs font-medium ${auth.style}`}
          title={auth.title}
        >
          {auth.label}
        </span>
      </div>
      <h3 class="mt-2 font-medium">
        <a href={`#${op.id}`} class="hover:underline">
          <Text text={op.summary} />
        </a>
      </h3>
      {op.description && (
        <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
          <Text text={op.description} />
        </p>
      )}
      {params.length > 0 && (
        <Section title="Parameters">
          <Fields rows={params} />
        </Section>
      )}
      {op.body && (
        <Section
          title={`Body (${op.body.types.map((t) => MEDIA_WORDS[t] ?? t).join(", ")})`}
        >
          {bodyRows.length
            ? <Fields rows={bodyRows} />
            : (
              <p class="text-sm text-slate-600 dark:text-slate-300">
                {typeName(op.body.schema, components)}
              </p>
            )}
          {resolve(op.body.schema, components).additionalProperties === false && (
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
              Other fields are refused.
            </p>
          )}
          {formRows.length > 0 && (
            <>
              <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">
                A form sends these as text:
              </p>
              <Fields rows={formRows} />
            </>
          )}
        </Section>
      )}
      <Section title="Answers">
        <ul class="space-y-1 text-sm">
          {op.responses.map((r) => (
            <li class="flex gap-3">
              <span class={`w-9 shrink-0 font-mono font-semibold ${statusStyle(r.status)}`}>
                {r.status}
              </span>
              <span class="min-w-0 break-words text-slate-700 dark:text-slate-300">
                {r.schema && !r.status.startsWith("4") && !r.status.startsWith("5") && (
                  <code class={`${code} mb-0.5 block w-fit`}>
                    {shapeLine(r.schema, components)}
                  </code>
                )}
                <Text text={r.description} />
                {r.type && r.type !== "application/json" && (
                  <span class="text-xs text-slate-500 dark:text-slate-400">({r.type})</span>
                )}
              </span>
            </li>
          ))}
        </ul>
      </Section>
    </article>
  );
}

/** The whole page's content (the Layout is routes/_page.tsx's). */
export function ApiDocs(props: { document: Record<string, unknown>; siteName: string }) {
  const info = (props.document.info ?? {}) as { version?: string; description?: string };
  const components =
    ((props.document.components as { schemas?: Components } | undefined)?.schemas) ?? {};
  const groups = [...operationsByTag(props.document)]
    .sort(([a], [b]) => tagRank(a) - tagRank(b));
  const count = groups.reduce((n, [, ops]) => n + ops.length, 0);
  const shapes = Object.entries(components).sort(([a], [b]) => a.localeCompare(b));
  return (
    <main class="mx-auto max-w-5xl px-4 py-8 sm:px-6" data-testid="api-docs">
      <header class="flex flex-wrap items-center gap-3">
        <a href="/" aria-label={`${props.siteName}: back to the chat`}>
          <Logo size="lg" />
        </a>
        <div class="min-w-0">
          <h1 class="text-2xl font-bold tracking-tight">{props.siteName} API</h1>
          <p class="text-sm text-slate-500 dark:text-slate-400">
            Version {info.version} · {count} operations ·{" "}
            <a
              href="/api/openapi.json"
              class="font-semibold text-indigo-600 hover:text-indigo-500 dark:text-indigo-400"
            >
              OpenAPI 3.1 document (JSON)
            </a>
          </p>
        </div>
      </header>
      {info.description && (
        <p class="mt-4 max-w-3xl text-slate-700 dark:text-slate-300">
          <Text text={info.description} />
        </p>
      )}
      <nav aria-label="Groups" class="mt-6">
        <h2 class={heading}>Contents</h2>
        <ul class="mt-2 flex flex-wrap gap-2">
          {[
            ...groups.map(([tag, ops]) => [tag, ops.length] as const),
            ["Shapes", shapes.length] as const,
          ]
            .map(([tag, n]) => (
              <li>
                <a
                  href={`#tag-${slug(tag)}`}
                  class="inline-block rounded-full bg-white px-3 py-1 text-sm ring-1 ring-slate-200 hover:bg-slate-50 dark:bg-slate-900 dark:ring-slate-700 dark:hover:bg-slate-800"
                >
                  {tag} <span class="text-slate-500 dark:text-slate-400">{n}</span>
                </a>
              </li>
            ))}
        </ul>
      </nav>
      {groups.map(([tag, ops]) => (
        <section
          id={`tag-${slug(tag)}`}
          class="mt-10 scroll-mt-4"
          aria-labelledby={`h-${slug(tag)}`}
        >
          <h2 id={`h-${slug(tag)}`} class="text-xl font-bold tracking-tight">{tag}</h2>
          <div class="mt-3 space-y-4">
            {ops.map((op) => <OperationCard key={op.id} op={op} components={components} />)}
          </div>
        </section>
      ))}
      <section id="tag-shapes" class="mt-10 scroll-mt-4" aria-labelledby="h-shapes">
        <h2 id="h-shapes" class="text-xl font-bold tracking-tight">Shapes</h2>
        <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
          What the answers above name: fields marked required are always there.
        </p>
        <div class="mt-3 space-y-4">
          {shapes.map(([name, schema]) => (
            <article
              key={name}
              id={`shape-${name}`}
              class="scroll-mt-4 rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700 sm:p-5"
            >
              <h3 class="font-mono font-semibold">{name}</h3>
              {schema.description && (
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                  <Text text={schema.description} />
                </p>
              )}
              <div class="mt-3">
                <Fields rows={fieldRows(schema, components)} />
              </div>
            </article>
          ))}
        </div>
      </section>
    </main>
  );
}
