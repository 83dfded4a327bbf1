/**
 * The production path end to end: a copy of the app is built with `deno task build`, then
 * started with DENO_ENV=production by a Deno that may write only to the KV's directory
 * (so any write at run time fails), and used over real HTTP: sign-up, sign-in, a
 * conversation, a message, a page and its content-hashed assets, health and metrics.
 */
import assert from "node:assert/strict";
import { sessionCookieOf } from "../support/helpers.ts";
import { freePort, runDeno, startServerProcess } from "../support/process.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** What a deployment ships: the app's sources, no build output, data, tests or benchmarks. */
const SHIPPED = [
  "deno.json",
  "deno.lock",
  "main.ts",
  "serve.ts",
  "build.ts",
  "config.ts",
  "lib",
  "routes",
  "islands",
  "components",
  "static",
];
const METRICS_TOKEN = "production-test-metrics-token";
const PASSWORD = "a long production passphrase";

async function copyTree(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (from.endsWith("/static") && e.name === "build") continue;
    await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** Every file under `dir` with its size and modification time: any write shows. */
async function snapshot(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}${prefix}`)) {
    const path = `${prefix}/${e.name}`;
    if (e.isDirectory) out.push(...await snapshot(dir, path));
    else {
      const s = await Deno.stat(`${dir}${path}`);
      out.push(`${path} ${s.size} ${s.mtime?.getTime()}`);
    }
  }
  return out.sort();
}

/** A production server of the copy: reads anything, writes only under `kvDir`. */
function startProduction(app: string, kvDir: string, command = ["run", "main.ts"], port?: number) {
  const [verb, ...rest] = command;
  return startServerProcess({
    port,
    args: [
      verb,
      "--allow-net=127.0.0.1",
      "--allow-env",
      `--allow-read=${app},${kvDir}`,
      `--allow-write=${kvDir}`,
      ...rest,
    ],
    cwd: app,
    env: {
      DENO_ENV: "production",
      KV_PATH: `${kvDir}/chat.kv`,
      METRICS_TOKEN,
      LOG_LEVEL: "info",
    },
  });
}

Deno.test({
  name: "production: built once, started without write access, serves the whole app",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const app = await Deno.makeTempDir({ prefix: "hearth-prod-app-" });
    const kvDir = await Deno.makeTempDir({ prefix: "hearth-prod-kv-" });
    try {
      for (const name of SHIPPED) await copyTree(`${ROOT}/${name}`, `${app}/${name}`);

      await t.step("without a build it refuses to start, saying what to run", async () => {
        const { code, output } = await runDeno(
          [
            "run",
            "--allow-env",
            `--allow-read=${app},${kvDir}`,
            `--allow-write=${kvDir}`,
            "main.ts",
          ],
          { cwd: app, env: { DENO_ENV: "production", PORT: "0" } },
        );
        assert.notEqual(code, 0);
        assert.match(output, /run `deno task build` before starting in production/);
      });

      let buildId = "";
      await t.step("`deno task build` writes the assets under a content hash", async () => {
        const { code, output } = await runDeno(["task", "build"], { cwd: app });
        assert.equal(code, 0, output);
        const dirs = [];
        for await (const e of Deno.readDir(`${app}/static/build`)) dirs.push(e.name);
        assert.equal(dirs.length, 1, `one build: ${dirs}`);
        buildId = dirs[0];
        assert.match(buildId, /^[0-9a-f]{16}$/);
        // The service may run as another user than the one who built (README's systemd unit).
        const build = `${app}/static/build/${buildId}`;
        assert.equal(
          (await Deno.stat(build)).mode! & 0o005,
          0o005,
          "the build dir is world-readable",
        );
        for await (const e of Deno.readDir(build)) {
          const mode = (await Deno.stat(`${build}/${e.name}`)).mode!;
          assert.equal(mode & 0o004, 0o004, `${e.name} is world-readable`);
        }
      });

      const before = await snapshot(app);
      const server = await startProduction(app, kvDir);
      const base = server.base;
      const origin = { origin: base };
      try {
        let cookie = "";
        let conversationId = "";

        await t.step("register, sign in, start a conversation and send a message", async () => {
          const bob = await fetch(`${base}/api/auth/register`, {
            method: "POST",
            headers: { ...origin, "content-type": "application/json" },
            body: JSON.stringify({ username: "prodbob", password: PASSWORD }),
          });
          assert.equal(bob.status, 201);
          const bobId = (await bob.json()).user.id;
          const ann = await fetch(`${base}/api/auth/register`, {
            method: "POST",
            headers: { ...origin, "content-type": "application/json" },
            body: JSON.stringify({ username: "prodann", password: PASSWORD }),
          });
          assert.equal(ann.status, 201);
          await ann.body?.cancel();
          const login = await fetch(`${base}/api/auth/login`, {
            method: "POST",
            headers: { ...origin, "content-type": "application/json" },
            body: JSON.stringify({ username: "prodann", password: PASSWORD }),
          });
          assert.equal(login.status, 200);
          await login.body?.cancel();
          cookie = sessionCookieOf(login);
          const created = await fetch(`${base}/api/conversations`, {
            method: "POST",
            headers: { ...origin, cookie, "content-type": "application/json" },
            body: JSON.stringify({ participantIds: [bobId] }),
          });
          assert.equal(created.status, 201);
          conversationId = (await created.json()).conversation.id;
          const sent = await fetch(`${base}/api/conversations/${conversationId}/messages`, {
            method: "POST",
            headers: { ...origin, cookie, "content-type": "application/json" },
            body: JSON.stringify({ content: "hello from production" }),
          });
          assert.equal(sent.status, 201);
          assert.equal((await sent.json()).message.seq, 1);
        });

        await t.step("a page links its prebuilt, immutable assets", async () => {
          const page = await fetch(`${base}/conversations/${conversationId}`, {
            headers: { cookie },
          });
          assert.equal(page.status, 200);
          assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
          const html = await page.text();
          assert.match(html, /hello from production/);
          const assets = [...html.matchAll(/\/assets\/([0-9a-f]{16})\/([\w.-]+\.(?:js|css))/g)];
          assert.ok(assets.some((m) => m[2] === "styles.css"), "the stylesheet is linked");
          assert.ok(assets.some((m) => m[2].endsWith(".js")), "a script is linked");
          for (const [url, id, file] of assets) {
            assert.equal(id, buildId, `${url} is from the build`);
            const res = await fetch(`${base}${url}`);
            assert.equal(res.status, 200, url);
            assert.match(
              res.headers.get("content-type") ?? "",
              file.endsWith(".css") ? /^text\/css/ : /javascript/,
            );
            assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
            const body = await res.text();
            assert.equal(body, await Deno.readTextFile(`${app}/static/build/${id}/${file}`));
          }
          const missing = await fetch(`${base}/assets/${buildId}/nope.js`);
          assert.equal(missing.status, 404);
          assert.doesNotMatch(
            missing.headers.get("cache-control") ?? "",
            /immutable|max-age=[1-9]/,
          );
          await missing.body?.cancel();
        });

        await t.step("health, readiness and metrics", async () => {
          const health = await fetch(`${base}/healthz`);
          assert.deepEqual(await health.json(), { status: "ok" });
          const ready = await fetch(`${base}/readyz`);
          assert.equal(ready.status, 200);
          assert.deepEqual(await ready.json(), { status: "ready" });
          const anonymous = await fetch(`${base}/metrics`);
          assert.equal(anonymous.status, 401);
          await anonymous.body?.cancel();
          const res = await fetch(`${base}/metrics`, {
            headers: { authorization: `Bearer ${METRICS_TOKEN}` },
          });
          assert.equal(res.status, 200);
          const text = await res.text();
          assert.match(text, /^hearth_messages_stored_total\{worker="[^"]+"\} 1$/m);
          assert.match(
            text,
            /^hearth_http_requests_total\{method="POST",route="\/api\/auth\/register",status="201",worker="[^"]+"\} 2$/m,
          );
          assert.match(text, /route="\/assets\/\*",status="200"/);
          assert.doesNotMatch(text, new RegExp(conversationId));
        });

        await t.step("the process wrote nothing outside its KV directory", async () => {
          assert.deepEqual(await snapshot(app), before);
          const kvFiles = (await snapshot(kvDir)).map((l) => l.split(" ")[0]);
          assert.ok(kvFiles.includes("/chat.kv"), `KV file written: ${kvFiles}`);
        });
      } finally {
        const status = await server.stop();
        assert.equal(status.code, 0, server.output());
      }
      assert.doesNotMatch(server.output(), /NotCapable|PermissionDenied|Requires write access/);

      await t.step("`deno serve --parallel` serves the same build and data", async () => {
        const port = freePort();
        const parallel = await startProduction(app, kvDir, [
          "serve",
          "--parallel",
          "--host=127.0.0.1",
          `--port=${port}`,
          "serve.ts",
        ], port);
        try {
          const login = await fetch(`${parallel.base}/api/auth/login`, {
            method: "POST",
            headers: { origin: parallel.base, "content-type": "application/json" },
            body: JSON.stringify({ username: "prodann", password: PASSWORD }),
          });
          assert.equal(login.status, 200);
          await login.body?.cancel();
          const cookie = sessionCookieOf(login);
          const list = await fetch(`${parallel.base}/api/conversations`, { headers: { cookie } });
          const [conversation] = (await list.json()).conversations;
          assert.equal(conversation.lastMessage.content, "hello from production");
          const page = await fetch(`${parallel.base}/`, { headers: { cookie } });
          assert.match(await page.text(), new RegExp(`/assets/${buildId}/styles\\.css`));
          assert.deepEqual(await snapshot(app), before);
        } finally {
          await parallel.stop();
        }
        assert.doesNotMatch(parallel.output(), /NotCapable|PermissionDenied|Requires write access/);
        // Deno puts "[serve-worker-N ] " before each worker's line (README, "Logs and metrics"):
        // behind it, every line is one JSON object.
        const lines = parallel.output().split("\n").filter((l) => l && !/^deno serve:/.test(l));
        assert.ok(lines.some((l) => l.includes('"msg":"request"')), parallel.output());
        for (const line of lines) {
          const json = line.replace(/^\[serve-worker-\d+ *\] /, "");
          assert.doesNotThrow(() => JSON.parse(json), `not JSON: ${line}`);
        }
      });
    } finally {
      await Deno.remove(app, { recursive: true });
      await Deno.remove(kvDir, { recursive: true });
    }
  },
});
