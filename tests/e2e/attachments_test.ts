/**
 * Attachments in Chromium, between two people: Ann picks an image and a PDF, sees them upload,
 * sends them; Ben sees the image preview and the PDF chip live, downloads the PDF, and sees a
 * deleted file turn into "removed"; a reload renders on the server what was live.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, openChatPage } from "../support/browser.ts";
import { json } from "../support/helpers.ts";
import { PNG } from "../support/util.ts";

const PDF = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/** What a person can tell about each message's files. */
function attachments(page: Page) {
  return page.locator("li[data-seq] [data-attachment]").evaluateAll((els) =>
    els.map((el) => ({
      name: el.getAttribute("data-attachment"),
      removed: el.getAttribute("data-removed") === "true",
      preview: el.querySelector("img")?.getAttribute("src") ?? null,
      download: el.querySelector("a[download]")?.getAttribute("href") ?? null,
      text: (el as HTMLElement).innerText.replace(/\s+/g, " ").trim(),
    }))
  );
}

browserTest(
  "Ann sends an image and a PDF; Ben sees the preview live and downloads the PDF",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Launch");
    const errors: string[] = [];
    const open = (cookie: string, javaScriptEnabled = true) =>
      openChatPage(browser, server.base, cookie, {
        path: `/conversations/${id}`,
        errors,
        context: { javaScriptEnabled, acceptDownloads: true },
      });
    const annPage = await open(ann.cookie);
    const benPage = await open(ben.cookie);

    await t.step(
      "Ann picks two files: each uploads with a progress bar, then can be removed",
      async () => {
        const chooser = annPage.waitForEvent("filechooser");
        await annPage.getByRole("button", { name: "Attach files" }).click();
        await (await chooser).setFiles([
          { name: "cat.png", mimeType: "image/png", buffer: Buffer.from(PNG) },
          { name: "plan.pdf", mimeType: "application/pdf", buffer: Buffer.from(PDF) },
        ]);
        const staged = annPage.getByRole("list", { name: "Files to send" });
        await staged.getByRole("button", { name: "Remove cat.png" }).waitFor();
        await staged.getByRole("button", { name: "Remove plan.pdf" }).waitFor();
        assert.equal(
          await staged.getByRole("progressbar", { name: "Uploading plan.pdf" }).getAttribute(
            "aria-valuenow",
          ),
          "100",
        );
      },
    );

    await t.step(
      "she sends them with no text; Ben sees the preview and the chip live",
      async () => {
        await annPage.getByRole("button", { name: "Send" }).click();
        const image = benPage.locator("li[data-seq] img[alt='cat.png']");
        await image.waitFor();
        await benPage.waitForFunction(() => {
          const img = document.querySelector<HTMLImageElement>("li[data-seq] img[alt='cat.png']");
          return img?.complete && img.naturalWidth > 0;
        });
        const files = await attachments(benPage);
        assert.equal(files.length, 2);
        assert.match(
          files[0].preview ?? "",
          new RegExp(`^/api/conversations/${id}/files/\\w+\\?inline=1$`),
        );
        assert.equal(files[1].name, "plan.pdf");
        assert.match(files[1].text, /PDF plan\.pdf \d+ B/);
        await annPage.getByRole("list", { name: "Files to send" }).waitFor({ state: "detached" });
        await annPage.locator("li[data-seq] [data-attachment='plan.pdf']").waitFor();
      },
    );

    await t.step("Ben downloads the PDF: the same bytes, under its name", async () => {
      const download = benPage.waitForEvent("download");
      await benPage.locator("li[data-seq] a[download]").getByText("plan.pdf").click();
      const file = await download;
      assert.equal(file.suggestedFilename(), "plan.pdf");
      const path = await file.path();
      assert.equal(await Deno.readTextFile(path), PDF);
    });

    await t.step("text with a file works too, and a reload renders the same", async () => {
      const chooser = annPage.waitForEvent("filechooser");
      await annPage.getByRole("button", { name: "Attach files" }).click();
      await (await chooser).setFiles([{
        name: "notes.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("notes"),
      }]);
      await annPage.getByRole("button", { name: "Remove notes.txt" }).waitFor();
      await annPage.getByLabel("Message", { exact: true }).fill("and the notes");
      await annPage.getByLabel("Message", { exact: true }).press("Enter");
      await benPage.getByTestId("messages").getByText("and the notes").waitFor();
      await benPage.locator("[data-attachment='notes.txt']").waitFor();
      const live = await attachments(benPage);
      const noScript = await open(ben.cookie, false);
      assert.deepEqual(await attachments(noScript), live);
      await noScript.context().close();
    });

    await t.step("Ann deletes the PDF from the files: Ben sees it as removed, live", async () => {
      const { files } = await (await server.fetch(
        `/api/conversations/${id}/files`,
        json("GET", undefined, ann.cookie),
      )).json();
      const pdf = files.find((f: { name: string }) => f.name === "plan.pdf");
      const res = await server.fetch(
        `/api/conversations/${id}/files/${pdf.id}`,
        json("DELETE", undefined, ann.cookie),
      );
      assert.equal(res.status, 204);
      await benPage.locator("[data-attachment='plan.pdf'][data-removed='true']").waitFor();
      assert.equal(await benPage.locator("[data-attachment='plan.pdf'] a").count(), 0);
      await benPage.getByText("plan.pdf was removed").waitFor();
      await Deno.mkdir("test-output", { recursive: true });
      await benPage.screenshot({ path: "test-output/attachments.png" });
    });
    assert.deepEqual(errors, []);
  },
);
