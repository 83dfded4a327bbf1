/**
 * The app's module graph read from source text, and the layout rules tests/layout_test.ts holds
 * it to. Pure functions over a `Graph`, so the self-test can run every rule on a made-up graph.
 *
 * Imports are found with patterns, not a parser (none ships with Deno): static imports and
 * exports-from are statements at column 0 once `deno fmt` has run, so comments and strings
 * cannot fake one; `import("…")` with a literal specifier is found anywhere outside comment lines.
 */

export type Import = {
  specifier: string;
  /** `import type`, `export type`, every binding marked `type`, or `typeof import("…")`. */
  typeOnly: boolean;
  dynamic: boolean;
  /** 1-based line of the statement's start. */
  line: number;
};

export type Edge = Import & { from: string; to: string };

export type Graph = {
  /** Repository-relative paths (`lib/messages/mod.ts`) → line count. */
  files: Map<string, number>;
  /** Relative imports between files of `files`. */
  edges: Edge[];
};

const STATIC_IMPORT =
  /^(import|export)\s+(type\s+)?((?:[\w$]+\s*,?\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})?)\s*(?:from\s*)?(["'])([^"']+)\4/gm;
const DYNAMIC_IMPORT = /import\(\s*(["'`])([^"'`$]+)\1\s*\)/g;

/** Every import and export-from of one module's source. */
export function extractImports(source: string): Import[] {
  const found: Import[] = [];
  for (const m of source.matchAll(STATIC_IMPORT)) {
    const [, , typeKeyword, bindings] = m;
    found.push({
      specifier: m[5],
      typeOnly: Boolean(typeKeyword) || allBindingsAreTypes(bindings),
      dynamic: false,
      line: lineOf(source, m.index),
    });
  }
  const code = codeOnly(source);
  for (const m of code.matchAll(DYNAMIC_IMPORT)) {
    const before = code.slice(code.lastIndexOf("\n", m.index) + 1, m.index);
    found.push({
      specifier: m[2],
      typeOnly: /(\btypeof|\bas|:|<)\s*$/.test(before),
      dynamic: true,
      line: lineOf(code, m.index),
    });
  }
  return found;
}

function allBindingsAreTypes(bindings: string): boolean {
  const named = bindings.match(/^\{([^}]*)\}$/)?.[1];
  if (named === undefined) return false;
  const names = named.split(",").map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith("type "));
}

function lineOf(source: string, index: number): number {
  let line = 1;
  for (let i = source.indexOf("\n"); i !== -1 && i < index; i = source.indexOf("\n", i + 1)) line++;
  return line;
}

/**
 * The source with comment lines blanked (`//…`, and ` * …` inside doc comments) and trailing
 * `// …` removed, line numbers kept. Good enough for formatted code; a URL's `://` stays.
 */
export function codeOnly(source: string): string {
  return source.split("\n").map((line) => {
    const t = line.trimStart();
    if (t.startsWith("//") || t.startsWith("*") || t.startsWith("/*")) return "";
    return line.replace(/(^|\s)\/\/.*$/, "$1");
  }).join("\n");
}

/** Whether a path is a test (exempt from the layering rules: a test may wire anything). */
export function isTest(path: string): boolean {
  return /_test\.tsx?$/.test(path) || path.startsWith("tests/") || path.startsWith("bench/");
}

/** Reads every .ts/.tsx under `dirs` and at the root of `root`, and links their relative imports. */
export async function loadGraph(root: URL, dirs: string[]): Promise<Graph> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (entry.isFile && /\.tsx?$/.test(entry.name)) paths.push(entry.name);
  }
  for (const dir of dirs) await walk(root, dir, paths);
  const files = new Map<string, number>();
  const sources = new Map<string, string>();
  for (const path of paths.sort()) {
    const source = await Deno.readTextFile(new URL(path, root));
    sources.set(path, source);
    files.set(path, source.replace(/\n$/, "").split("\n").length);
  }
  const edges: Edge[] = [];
  for (const [from, source] of sources) {
    for (const imp of extractImports(source)) {
      if (!imp.specifier.startsWith(".")) continue;
      const to = decodeURIComponent(new URL(imp.specifier, new URL(from, root)).pathname)
        .slice(decodeURIComponent(root.pathname).length);
      if (files.has(to)) edges.push({ ...imp, from, to });
    }
  }
  return { files, edges };
}

async function walk(root: URL, dir: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(new URL(dir + "/", root))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await walk(root, path, out);
    else if (entry.isFile && /\.tsx?$/.test(entry.name)) out.push(path);
  }
}

/**
 * One entry per tangle of modules that import each other: all its files, and its shortest loop
 * through the first of them, in import order with the first file repeated at the end.
 */
export function findCycles(graph: Graph): { loop: string[]; files: string[] }[] {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = next.get(e.from) ?? [];
    if (!list.includes(e.to)) list.push(e.to);
    next.set(e.from, list);
  }
  return stronglyConnected([...graph.files.keys()], next)
    .filter((c) => c.length > 1 || (next.get(c[0]) ?? []).includes(c[0]))
    .map((files) => ({ loop: shortestLoop(files, next), files }));
}

/** Tarjan's algorithm, iterative (a recursive walk over a deep graph could overflow). */
function stronglyConnected(nodes: string[], next: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      if (i === 0 && !index.has(node)) {
        index.set(node, counter);
        low.set(node, counter++);
        stack.push(node);
        onStack.add(node);
      }
      const targets = next.get(node) ?? [];
      if (i < targets.length) {
        frame[1]++;
        const to = targets[i];
        if (!index.has(to)) work.push([to, 0]);
        else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        components.push(component.sort());
      }
    }
  }
  return components;
}

/** The shortest loop through the component's first file (breadth first, inside the component). */
function shortestLoop(component: string[], next: Map<string, string[]>): string[] {
  const inside = new Set(component);
  const start = component[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of next.get(node) ?? []) {
      if (!inside.has(to)) continue;
      if (to === start) {
        const loop: string[] = [];
        for (let n = node; n !== start; n = cameFrom.get(n)!) loop.unshift(n);
        loop.unshift(start);
        return [...loop, start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return component;
}

/** `lib/messages/` for a file in that folder, `lib/errors.ts` for a file directly in lib/. */
export function libUnit(path: string): string | undefined {
  const m = path.match(/^lib\/([^/]+)(\/)?/);
  if (!m) return undefined;
  return m[2] ? `lib/${m[1]}/` : `lib/${m[1]}`;
}

/** `file:line → target (what)` for an edge, the form every failure lists offenders in. */
export function describe(e: Edge): string {
  const kind = e.typeOnly ? "import type" : e.dynamic ? "import()" : "import";
  return `${e.from}:${e.line} ${kind} ${e.to}`;
}

/** Imports from lib/ (tests aside) into routes/, islands/ or components/. */
export function outwardImports(graph: Graph): Edge[] {
  return graph.edges.filter((e) =>
    e.from.startsWith("lib/") && !isTest(e.from) && /^(routes|islands|components)\//.test(e.to)
  );
}

/** Imports of a lib folder's inner file (not its mod.ts) from outside that folder, tests aside. */
export function innerImports(graph: Graph, openFolders: string[]): Edge[] {
  return graph.edges.filter((e) => {
    const unit = libUnit(e.to);
    if (!unit?.endsWith("/") || openFolders.includes(unit) || isTest(e.from)) return false;
    return !e.from.startsWith(unit) && e.to !== `${unit}mod.ts`;
  });
}

/** Imports from one lib unit to another that is not in a lower layer (or not in the table). */
export function layerViolations(graph: Graph, layers: string[][]): string[] {
  const layerOf = new Map(layers.flatMap((units, i) => units.map((u) => [u, i] as const)));
  const found: string[] = [];
  const unlisted = new Set<string>();
  for (const path of graph.files.keys()) {
    const unit = libUnit(path);
    if (unit && !layerOf.has(unit) && !isTest(path)) unlisted.add(unit);
  }
  for (const unit of unlisted) found.push(`${unit} is in no layer of the table`);
  for (const e of graph.edges) {
    const from = libUnit(e.from);
    const to = libUnit(e.to);
    if (!from || !to || from === to || isTest(e.from)) continue;
    const a = layerOf.get(from);
    const b = layerOf.get(to);
    if (a === undefined || b === undefined || b >= a) {
      found.push(`${describe(e)} (layer ${a ?? "?"} → layer ${b ?? "?"})`);
    }
  }
  return found;
}

/**
 * Value imports, in code an island runs in the browser, of lib/ files other than the shared
 * ones: the island bundles would carry server code (KV, Deno APIs) along. The browser's code
 * is islands/ and whatever of components/ and lib/shared it imports, followed transitively.
 */
export function browserImports(graph: Graph, browserSafe: (path: string) => boolean): Edge[] {
  const values = graph.edges.filter((e) => !e.typeOnly);
  const seen = new Set([...graph.files.keys()].filter((p) => p.startsWith("islands/")));
  const queue = [...seen];
  const found: Edge[] = [];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const e of values.filter((e) => e.from === from)) {
      if (!browserSafe(e.to)) found.push(e);
      else if (!seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return found;
}

/** The kind strings that start keys.ts's key arrays (`["msg", …]` → `msg`). */
export function keyKinds(keysSource: string): string[] {
  const kinds = [...codeOnly(keysSource).matchAll(/\[\s*"([a-z][a-z0-9_]*)"/g)].map((m) => m[1]);
  return [...new Set(kinds)].sort();
}

/**
 * `line: text` of each array literal in `source` that starts with one of `kinds`: a key, a
 * prefix, or a list of kinds (which belongs beside the builders too, as PER_CONVERSATION_KINDS
 * does). An array whose next item is a string with a space in it is a pair of words, not a key
 * (`["msg", "relative flex gap-3"]` names a style).
 */
export function keyLiterals(source: string, kinds: string[]): string[] {
  const kind = kinds.map((k) => k.replace(/[^a-z0-9_]/g, "")).join("|");
  const pattern = new RegExp(
    `\\[\\s*(["'\`])(?:${kind})\\1\\s*(?:\\]|,(?!\\s*(["'\`])[^"'\`]*\\s[^"'\`]*\\2))`,
    "g",
  );
  const code = codeOnly(source);
  const lines = source.split("\n");
  const found: string[] = [];
  for (const m of code.matchAll(pattern)) {
    const line = lineOf(code, m.index + m[0].search(/["'`]/));
    found.push(`${line}: ${lines[line - 1].trim()}`);
  }
  return found;
}
