/**
 * `deno task dev`: serves the app and restarts it whenever a source file changes. Start-up
 * rebuilds the island bundles and stylesheet when their content hash changed, so an edit to
 * an island is live on the next page load.
 */
const root = new URL(".", import.meta.url).pathname;
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--watch=islands/,components/,routes/,lib/,static/favicon.svg", "main.ts"],
  cwd: root,
  env: { DENO_ENV: "development", LOG_LEVEL: "debug" },
}).spawn();
Deno.exit((await child.status).code);
