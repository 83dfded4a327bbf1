import { buildStylesheet } from "./styles.ts";
import { precompressBuild } from "./precompress.ts";
import { log } from "../ops/mod.ts";

/**
 * The built browser assets: island bundles and the stylesheet, under a content hash.
 * `modules`: for the client entry (`boot`) and each island, every built file it loads
 * through static imports (itself first), so a page can ask for them all at once
 * (`<link rel="modulepreload">`) instead of finding them one import after another. The
 * islands islands/app.ts groups are built into its one module (`app.js`): theirs are app's.
 */
export type Assets = { id: string; dir: string; islands: string[]; modules: ModuleGraph };
export type ModuleGraph = Record<string, string[]>;

/** A built module's static imports of its neighbours (`import … from "../chunk-X.js"`). */
const STATIC_IMPORT =
  /(?:^|[;}\s])(?:import|export)\s*(?:[\w*${}\s,]+from\s*)?["']\.\/([\w.-]+\.js)["']/g;

/** Reads which built files each entry needs (see Assets.modules; `grouped`: app.js's islands). */
export async function readModuleGraph(
  dir: string,
  islands: string[],
  grouped: string[] = [],
): Promise<ModuleGraph> {
  const imports = new Map<string, string[]>();
  const walk = async (file: string, seen: string[]) => {
    if (seen.includes(file)) return;
    seen.push(file);
    if (!imports.has(file)) {
      const text = await Deno.readTextFile(`${dir}/${file}`);
      imports.set(file, [...text.matchAll(STATIC_IMPORT)].map((m) => m[1]));
    }
    for (const next of imports.get(file)!) await walk(next, seen);
  };
  const graph: ModuleGraph = {};
  for (const entry of entriesOf(islands, grouped)) {
    const seen: string[] = [];
    await walk(`${entry}.js`, seen);
    graph[entry] = seen;
  }
  for (const name of grouped) graph[name] = graph.app;
  return graph;
}

const SOURCE_DIRS = ["islands", "components", "routes", "lib"];
const ISLAND_FILE = /^[A-Z][A-Za-z0-9]*\.tsx$/;
/**
 * islands/app.ts's lines naming an island it holds, in its `islands`: `  ChatRoom: { default:`,
 * or `  get ThreadPanel() {` (one it loads as a chunk of its own when a page has it).
 */
const GROUPED = /^ {2}(?:([A-Z][A-Za-z0-9]*): \{ default: |get ([A-Z][A-Za-z0-9]*)\(\) \{$)/gm;

/** The built entries: the client entry, app.js when there is a group, the other islands. */
function entriesOf(islands: string[], grouped: string[]): string[] {
  const alone = islands.filter((name) => !grouped.includes(name));
  return ["boot", ...(grouped.length ? ["app"] : []), ...alone];
}

async function readSources(root: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  async function walk(dir: string) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${root}/${dir}`)];
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (/\.(ts|tsx)$/.test(e.name) && !/_test\.tsx?$/.test(e.name)) {
        out.push({ path, text: await Deno.readTextFile(`${root}/${path}`) });
      }
    }
  }
  for (const dir of SOURCE_DIRS) await walk(dir);
  for (const file of ["deno.json", "deno.lock"]) {
    try {
      out.push({ path: file, text: await Deno.readTextFile(`${root}/${file}`) });
    } catch { /* a missing lock file only changes the hash */ }
  }
  return out;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Builds the island bundles (code-split and minified by `deno bundle`) and the stylesheet
 * into static/build/<hash>/, unless that hash is built already. The hash covers every
 * source file, so the URLs change whenever the code does and can be cached forever.
 * Concurrent builders (parallel test files) write to a temp dir and rename it into place.
 */
export async function buildAssets(root: string): Promise<Assets> {
  const { sources, id, islands, grouped, buildRoot, dir } = await planAssets(root);
  if (await isBuilt(dir, entriesOf(islands, grouped))) {
    return { id, dir, islands, modules: await readModuleGraph(dir, islands, grouped) };
  }

  const started = performance.now();
  await Deno.mkdir(buildRoot, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: buildRoot, prefix: ".tmp-" });
  const entries = entriesOf(islands, grouped).map((n) =>
    n === "boot" || n === "app" ? `islands/${n}.ts` : `islands/${n}.tsx`
  );
  const bundle = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--code-splitting",
      "--minify",
      "--outdir",
      tmp,
      ...entries,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!bundle.success) {
    await Deno.remove(tmp, { recursive: true });
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(bundle.stderr)}`);
  }
  const uiSources = sources.filter((s) => s.path.endsWith(".tsx")).map((s) => s.text);
  await Deno.writeTextFile(`${tmp}/styles.css`, buildStylesheet(uiSources));
  await precompressBuild(tmp);
  // makeTempDir makes it 0700: a service running as another user than the builder (the
  // README's systemd unit) could not read the build and would refuse to start.
  if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o755);
  try {
    await Deno.rename(tmp, dir);
  } catch {
    await Deno.remove(tmp, { recursive: true }); // another process built the same hash first
  }
  await removeStaleBuilds(buildRoot, id);
  log("info", "assets built", { id, islands, ms: Math.round(performance.now() - started) });
  return { id, dir, islands, modules: await readModuleGraph(dir, islands, grouped) };
}

/**
 * The assets `deno task build` made for these sources, for production, which never writes
 * to disk at run time. Throws, saying what to run, when they are missing or stale.
 */
export async function loadBuiltAssets(root: string): Promise<Assets> {
  const { id, islands, grouped, dir } = await planAssets(root);
  if (!(await isBuilt(dir, entriesOf(islands, grouped)))) {
    throw new Error(
      `The browser assets for this code (static/build/${id}/) are missing: ` +
        "run `deno task build` before starting in production.",
    );
  }
  return { id, dir, islands, modules: await readModuleGraph(dir, islands, grouped) };
}

/**
 * The build's id: a hash over every source file and the Deno version (its bundler's output
 * may change with it), so the URLs change whenever the bytes served can.
 */
async function planAssets(root: string) {
  const sources = await readSources(root);
  const text = sources.map((s) => `${s.path}\0${s.text}`).join("\0");
  const id = (await sha256Hex(`${Deno.version.deno}\0${text}`)).slice(0, 16);
  const islands = sources
    .filter((s) => s.path.startsWith("islands/") && ISLAND_FILE.test(s.path.slice(8)))
    .map((s) => s.path.slice(8, -4));
  const app = sources.find((s) => s.path === "islands/app.ts")?.text ?? "";
  const grouped = [...app.matchAll(GROUPED)].map((m) => m[1] ?? m[2]).filter((n) =>
    islands.includes(n)
  );
  const buildRoot = `${root}/static/build`;
  return { sources, id, islands, grouped, buildRoot, dir: `${buildRoot}/${id}` };
}

/** Whether `dir` holds a whole build: the stylesheet and every entry (entriesOf). */
async function isBuilt(dir: string, entries: string[]): Promise<boolean> {
  try {
    for (const file of ["styles.css", ...entries.map((n) => `${n}.js`)]) {
      await Deno.stat(`${dir}/${file}`);
    }
    return true;
  } catch {
    return false;
  }
}

/** Drops builds older than an hour (a running older server may still be serving one). */
async function removeStaleBuilds(buildRoot: string, keep: string): Promise<void> {
  const cutoff = Date.now() - 60 * 60 * 1000;
  for await (const e of Deno.readDir(buildRoot)) {
    if (e.name === keep || !e.isDirectory) continue;
    const info = await Deno.stat(`${buildRoot}/${e.name}`).catch(() => null);
    if (info?.mtime && info.mtime.getTime() < cutoff) {
      await Deno.remove(`${buildRoot}/${e.name}`, { recursive: true }).catch(() => {});
    }
  }
}
