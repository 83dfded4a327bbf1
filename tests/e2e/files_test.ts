import assert from "node:assert/strict";
import { launchChromium } from "../support/browser.ts";
import { json, registerUser, startTestServer } from "../support/helpers.ts";

const SHOTS = new URL("../../test-output/", import.meta.url).pathname;

Deno.test({
  name:
    "a member uploads a file with the picker in Chromium, sees its progress, then downloads the same bytes",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startTestServer();
    const browser = await launchChromium();
    const dir = await Deno.makeTempDir();
    try {
      const { cookie } = await registerUser(server, { username: "uma", displayName: "Uma Upload" });
      const created = await server.fetch(
        "/api/projects",
        json("POST", { name: "Design review" }, cookie),
      );
      const { project } = await created.json();
      const bytes = new Uint8Array(3 * 1024 * 1024 + 123);
      for (let i = 0; i < bytes.length; i += 65536) {
        crypto.getRandomValues(bytes.subarray(i, i + 65536));
      }
      const path = `${dir}/mockups v2 (final).bin`;
      await Deno.writeFile(path, bytes);

      const context = await browser.newContext({
        viewport: { width: 1440, height: 900 },
        acceptDownloads: true,
      });
      const [name, value] = cookie.split("=");
      await context.addCookies([{ name, value, url: server.base }]);
      const page = await context.newPage();
      await page.goto(`${server.base}/projects/${project.id}`);
      await page.getByRole("complementary", { name: "Project" }).getByRole("heading", {
        name: "Design review",
      }).waitFor();
      // Slow the upload link so the progress bar is on screen long enough to be seen.
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 1.5 * 1024 * 1024,
      });

      await page.locator("[data-island=FileManager][data-hydrated]").waitFor();
      await page.getByText("Choose files").setInputFiles(path);
      const bar = page.getByRole("progressbar", { name: "Uploading mockups v2 (final).bin" });
      await bar.waitFor();
      await page.waitForFunction(() => {
        const now = Number(
          document.querySelector("[role=progressbar]")?.getAttribute("aria-valuenow"),
        );
        return now > 0 && now < 100;
      });
      await page.screenshot({ path: `${SHOTS}upload-progress.png` });
      const link = page.getByRole("link", { name: "mockups v2 (final).bin" });
      await link.waitFor({ timeout: 20_000 });
      assert.equal(await bar.count(), 0, "the progress bar goes away when the upload is done");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await page.getByText(/3\.0 MB · File · Uma Upload/).waitFor();
      await page.screenshot({ path: `${SHOTS}project-files.png` });

      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      assert.equal(download.suggestedFilename(), "mockups v2 (final).bin");
      const saved = await Deno.readFile(await download.path());
      assert.equal(saved.length, bytes.length);
      assert.ok(saved.every((b, i) => b === bytes[i]), "downloaded bytes equal the uploaded ones");
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
