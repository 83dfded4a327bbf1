/**
 * Message actions without JavaScript, in Chromium with scripts off: the server-rendered
 * toolbar, palette, editor and confirmation are forms (GET to open, POST to change, 303
 * back to the message); Ben, with JavaScript, sees every change live.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, openChatPage } from "../support/browser.ts";
import { json } from "../support/helpers.ts";

browserTest("edit, react and delete work with JavaScript off", async ({ server, browser }, t) => {
  const { ann, ben, id } = await annAndBen(server, "Launch");
  for (const [who, content] of [[ben, "hello"], [ann, "teh plan"], [ann, "wrong room"]] as const) {
    const res = await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content }, who.cookie),
    );
    assert.equal(res.status, 201);
  }
  const open = (cookie: string, javaScriptEnabled: boolean) =>
    openChatPage(browser, server.base, cookie, {
      path: `/conversations/${id}`,
      context: { javaScriptEnabled },
    });
  const annPage = await open(ann.cookie, false);
  const benPage = await open(ben.cookie, true);
  const row = (page: Page, seq: number) => page.locator(`li[data-seq='${seq}']`);
  const path = (page: Page) => {
    const url = new URL(page.url());
    return url.pathname + url.search + url.hash;
  };

  await t.step("Edit opens the editor in place; Save posts it and comes back", async () => {
    await row(annPage, 2).hover();
    await row(annPage, 2).getByRole("button", { name: "Edit" }).click();
    await annPage.waitForURL((u) => u.searchParams.get("edit") === "2");
    assert.equal(path(annPage), `/conversations/${id}?edit=2#m2`);
    const editor = row(annPage, 2).getByRole("textbox", { name: "Edit message" });
    assert.equal(await editor.inputValue(), "teh plan");
    await editor.fill("the plan");
    await row(annPage, 2).getByRole("button", { name: "Save" }).click();
    await annPage.waitForURL((u) => !u.search);
    assert.equal(path(annPage), `/conversations/${id}#m2`);
    await row(annPage, 2).getByText("(edited)").waitFor();
    assert.match(await row(annPage, 2).innerText(), /the plan/);
    await row(benPage, 2).getByText("(edited)").waitFor();
    assert.match(await row(benPage, 2).innerText(), /the plan/);
  });

  await t.step("Cancel in the editor leaves the message as it was", async () => {
    await row(annPage, 2).hover();
    await row(annPage, 2).getByRole("button", { name: "Edit" }).click();
    await row(annPage, 2).getByRole("textbox", { name: "Edit message" }).fill("changed my mind");
    await row(annPage, 2).getByRole("link", { name: "Cancel" }).click();
    await annPage.waitForURL((u) => !u.search);
    assert.equal(await row(annPage, 2).getByRole("textbox").count(), 0);
    assert.match(await row(annPage, 2).innerText(), /the plan/);
  });

  await t.step(
    "React opens the palette; an emoji posts the reaction, the chip takes it back",
    async () => {
      await row(annPage, 1).hover();
      await row(annPage, 1).getByRole("button", { name: "React", exact: true }).click();
      await annPage.waitForURL((u) => u.searchParams.get("react") === "1");
      await row(annPage, 1).getByRole("button", { name: "React with 🎉" }).click();
      await annPage.waitForURL((u) => !u.search);
      const chip = row(annPage, 1).getByRole("button", { name: "Ann Lee reacted with 🎉" });
      assert.equal(await chip.getAttribute("aria-pressed"), "true");
      await row(benPage, 1).getByRole("button", { name: "Ann Lee reacted with 🎉" }).waitFor();
      await chip.click();
      await annPage.waitForURL((u) => u.hash === "#m1");
      await chip.waitFor({ state: "detached" });
      await row(benPage, 1).getByRole("button", { name: "Ann Lee reacted with 🎉" }).waitFor({
        state: "detached",
      });
    },
  );

  await t.step("Delete asks first; Cancel keeps it, Delete removes it", async () => {
    await row(annPage, 3).hover();
    await row(annPage, 3).getByRole("button", { name: "Delete" }).click();
    await annPage.waitForURL((u) => u.searchParams.get("delete") === "3");
    const confirm = row(annPage, 3).getByRole("alertdialog", { name: "Delete this message?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await annPage.waitForURL((u) => !u.search);
    await confirm.waitFor({ state: "detached" });
    assert.match(await row(annPage, 3).innerText(), /wrong room/);
    await row(annPage, 3).hover();
    await row(annPage, 3).getByRole("button", { name: "Delete" }).click();
    await confirm.getByRole("button", { name: "Delete" }).click();
    await annPage.waitForURL((u) => !u.search && u.hash === "#m3");
    await row(annPage, 3).getByText("This message was deleted.").waitFor();
    await row(benPage, 3).getByText("This message was deleted.").waitFor();
    // It was the last message: Ben's list says so too, live.
    await benPage.getByRole("list", { name: "Conversations" }).getByText("Message deleted")
      .waitFor();
  });

  await t.step("only your own messages can be opened for editing or deleting", async () => {
    await annPage.goto(`${server.base}/conversations/${id}?edit=1&delete=1#m1`);
    assert.equal(await row(annPage, 1).getByRole("textbox").count(), 0);
    assert.equal(await row(annPage, 1).getByRole("alertdialog").count(), 0);
  });

  await t.step("a form post from another origin is refused", async () => {
    const res = await fetch(`${server.base}/api/conversations/${id}/messages/2/delete`, {
      method: "POST",
      headers: {
        cookie: ann.cookie,
        origin: "https://evil.example",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "",
      redirect: "manual",
    });
    assert.equal(res.status, 403);
    await res.body?.cancel();
    assert.match(await row(benPage, 2).innerText(), /the plan/);
  });
});
