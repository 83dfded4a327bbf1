/**
 * The house rules of docs/architecture.md, checked on the source: no import cycles, lib/ in
 * layers that only import downwards, folders entered through their mod.ts, small files, and
 * KV keys spelled only in lib/storage/keys.ts. Each failure lists every offender.
 */
import assert from "node:assert/strict";
import {
  browserImports,
  describe,
  extractImports,
  findCycles,
  type Graph,
  innerImports,
  isTest,
  keyKinds,
  keyLiterals,
  layerViolations,
  loadGraph,
  outwardImports,
} from "./support/import_graph.ts";

const ROOT = new URL("../", import.meta.url);

/**
 * lib/ from the bottom up: a unit imports only units of lower layers. lib/context.ts sits above
 * web because it names the hub and the assets every handler is given.
 */
const LAYERS = [
  ["lib/errors.ts", "lib/shared/"],
  ["lib/storage/"],
  ["lib/ops/"],
  ["lib/outbound/"],
  ["lib/accounts/"],
  ["lib/conversations/"],
  ["lib/files/"],
  ["lib/messages/"],
  ["lib/search/"],
  ["lib/projects/"],
  ["lib/realtime/"],
  ["lib/notify/"],
  ["lib/integrations/", "lib/previews/"],
  ["lib/web/", "lib/admin/"],
  ["lib/context.ts"],
];

/**
 * lib/shared's files are imported one by one, not through a mod.ts: each is a public rule with
 * nothing behind it to hide, and an island that imports one file bundles only that file.
 */
const OPEN_FOLDERS = ["lib/shared/"];

const MAX_LINES = 400;

/** Besides the .ts/.tsx files at the root (main.ts, serve.ts, config.ts, …). */
const SCANNED = ["lib", "routes", "islands", "components"];

const graph = await loadGraph(ROOT, SCANNED);

function report(what: string, offenders: string[]): string {
  return `${offenders.length} ${what}:\n  ${offenders.join("\n  ")}`;
}

Deno.test("the scan finds the app's modules and the imports between them", () => {
  for (const path of ["main.ts", "config.ts", "lib/storage/keys.ts"]) {
    assert(graph.files.has(path), `${path} was not scanned`);
  }
  for (const dir of SCANNED) {
    assert([...graph.files.keys()].some((p) => p.startsWith(`${dir}/`)), `nothing read in ${dir}/`);
  }
  assert(graph.edges.length > 100, `only ${graph.edges.length} imports found`);
  assert(graph.edges.some((e) => e.typeOnly), "no `import type` found");
});

Deno.test("no module is part of an import cycle, type-only imports included", () => {
  const found = findCycles(graph).map(({ loop, files }) =>
    loop.join(" → ") + (files.length > loop.length - 1 ? ` (a tangle of ${files.join(", ")})` : "")
  );
  assert.deepEqual(found.length, 0, report("import cycles", found));
});

Deno.test("nothing in lib/ imports routes/, islands/ or components/", () => {
  const found = outwardImports(graph).map(describe);
  assert.deepEqual(found.length, 0, report("imports out of lib/", found));
});

Deno.test("code outside a lib folder imports it only through its mod.ts (lib/shared aside)", () => {
  const found = innerImports(graph, OPEN_FOLDERS).map(describe);
  assert.deepEqual(found.length, 0, report("imports of a folder's inner file", found));
});

Deno.test("each part of lib/ imports only parts of lower layers", () => {
  const found = layerViolations(graph, LAYERS);
  assert.deepEqual(found.length, 0, report("imports against the layer order", found));
});

Deno.test("code an island runs imports from lib/ only lib/shared, lib/errors.ts or types", () => {
  const found = browserImports(graph, browserSafe).map(describe);
  assert.deepEqual(found.length, 0, report("server modules in the browser's code", found));
});

Deno.test(`no source file outside tests and benchmarks is over ${MAX_LINES} lines`, () => {
  const found = [...graph.files].filter(([path, lines]) => lines > MAX_LINES && !isTest(path))
    .map(([path, lines]) => `${path}: ${lines} lines`);
  assert.deepEqual(found.length, 0, report(`files over ${MAX_LINES} lines`, found));
});

Deno.test("no KV key is spelled outside lib/storage/keys.ts", async () => {
  const keys = "lib/storage/keys.ts";
  const kinds = keyKinds(await Deno.readTextFile(new URL(keys, ROOT)));
  assert(kinds.includes("msg") && kinds.includes("conv_head"), `kinds read: ${kinds}`);
  const found: string[] = [];
  for (const path of graph.files.keys()) {
    if (path === keys || isTest(path)) continue;
    const source = await Deno.readTextFile(new URL(path, ROOT));
    for (const hit of keyLiterals(source, kinds)) found.push(`${path}:${hit}`);
  }
  assert.deepEqual(found.length, 0, report("key literals outside keys.ts", found));
});

function browserSafe(path: string): boolean {
  return /^(islands|components|lib\/shared)\//.test(path) || path === "lib/errors.ts";
}

Deno.test("the checks find the cycle, upward import and key literal of a made-up graph", async (t) => {
  await t.step("imports are read in every form", () => {
    const source = [
      'import { a, type B } from "./a.ts";',
      'import type { C } from "./c.ts";',
      "import {\n  type D,\n  type E,\n} from './d.ts';",
      'export * from "./e.ts";',
      'export type { F } from "./f.ts";',
      'import "./g.ts";',
      "// import { h } from './h.ts';",
      "const i = await import('./i.ts');",
      'type J = typeof import("./j.ts");',
      "export { k };",
    ].join("\n");
    assert.deepEqual(
      extractImports(source).map((i) => `${i.line} ${i.specifier} ${i.typeOnly ? "type" : ""}`),
      [
        "1 ./a.ts ",
        "2 ./c.ts type",
        "3 ./d.ts type",
        "7 ./e.ts ",
        "8 ./f.ts type",
        "9 ./g.ts ",
        "11 ./i.ts ",
        "12 ./j.ts type",
      ],
    );
  });
  const edge = (from: string, to: string, typeOnly = false) => ({
    from,
    to,
    typeOnly,
    specifier: to,
    dynamic: false,
    line: 1,
  });
  const fake: Graph = {
    files: new Map(
      ["lib/storage/kv.ts", "lib/messages/send.ts", "lib/messages/mod.ts", "routes/chat.tsx"]
        .map((path) => [path, 10]),
    ),
    edges: [
      edge("lib/messages/mod.ts", "lib/messages/send.ts"),
      edge("lib/messages/send.ts", "lib/storage/kv.ts"),
      edge("lib/storage/kv.ts", "lib/messages/mod.ts", true),
      edge("routes/chat.tsx", "lib/messages/send.ts"),
      edge("lib/messages/send.ts", "routes/chat.tsx"),
    ],
  };
  await t.step("a cycle through a type-only import is found, with its files in order", () => {
    assert.deepEqual(findCycles(fake), [{
      loop: [
        "lib/messages/mod.ts",
        "lib/messages/send.ts",
        "lib/storage/kv.ts",
        "lib/messages/mod.ts",
      ],
      files: [
        "lib/messages/mod.ts",
        "lib/messages/send.ts",
        "lib/storage/kv.ts",
        "routes/chat.tsx",
      ],
    }]);
  });
  await t.step("storage importing messages is an upward import", () => {
    assert.deepEqual(layerViolations(fake, LAYERS), [
      "lib/storage/kv.ts:1 import type lib/messages/mod.ts (layer 1 → layer 7)",
    ]);
  });
  await t.step("lib importing routes, and routes skipping mod.ts, are found", () => {
    assert.deepEqual(outwardImports(fake).map(describe), [
      "lib/messages/send.ts:1 import routes/chat.tsx",
    ]);
    assert.deepEqual(innerImports(fake, OPEN_FOLDERS).map(describe), [
      "lib/messages/send.ts:1 import lib/storage/kv.ts",
      "routes/chat.tsx:1 import lib/messages/send.ts",
    ]);
  });
  await t.step(
    "a key, a prefix or a list of kinds spelled out is found; a pair of words is not",
    () => {
      const kinds = keyKinds('export const k = (id: string) => ["conv_head", id];');
      assert.deepEqual(kinds, ["conv_head"]);
      const source = [
        '// ["conv_head", id] in a comment is fine',
        'await kv.get(["conv_head", id]);',
        "kv.list({ prefix: [",
        "  'conv_head',",
        "] });",
        'const kinds = ["conv_headline"];',
        'const style = ["conv_head", "flex gap-3"];',
        'const gone = new Set(["conv_head", "other"]);',
      ].join("\n");
      assert.deepEqual(keyLiterals(source, kinds), [
        '2: await kv.get(["conv_head", id]);',
        "4: 'conv_head',",
        '8: const gone = new Set(["conv_head", "other"]);',
      ]);
    },
  );
});
