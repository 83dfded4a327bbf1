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
// Stopping dev stops the server it runs. `deno run --watch` waits out SIGTERM ("graceful
// termination") and can linger, so in development it is simply killed.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    child.kill("SIGKILL");
    Deno.exit(0);
  });
}
Deno.exit((await child.status).code);
