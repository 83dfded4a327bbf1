/**
 * Slash commands in Chromium: `/` suggests the commands (a listbox the keyboard drives),
 * a picked command runs on the server and its effect shows (the message, the header's topic),
 * an unknown one is an error under the composer, `/help` lists them in place; without
 * JavaScript the same text posts the form and the server runs it.
 */
import assert from "node:assert/strict";
import { browserTest, forEachScreen, openChatPage, screenshotsIn } from "../support/browser.ts";
import { json, okJson } from "../support/helpers.ts";
import { people } from "../support/talk.ts";
import { axeProblems } from "../support/pages.ts";
import { COMMANDS } from "../../lib/shared/commands.ts";

browserTest(
  "slash commands: autocomplete, run, refusals and help",
  async ({ server, browser }, t) => {
    const { ann, ben } = await people(server, ["ann", "ben"], { displayNames: true });
    const made = await okJson(
      await server.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "launch" }, ann.cookie),
      ),
      201,
    );
    const id: string = made.conversation.id;
    await okJson(
      await server.fetch(
        `/api/conversations/${id}/members`,
        json("POST", { usernames: ["ben"] }, ann.cookie),
      ),
    );
    const errors: string[] = [];
    const page = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${id}`,
      errors,
    });
    const benPage = await openChatPage(browser, server.base, ben.cookie, {
      path: `/conversations/${id}`,
    });
    const composer = page.getByLabel("Message", { exact: true });
    const list = page.getByRole("listbox", { name: "Commands" });
    const shots = screenshotsIn("slash_commands");

    await t.step("typing / lists every command; arrows move the choice, Esc closes", async () => {
      await composer.pressSequentially("/");
      await list.waitFor();
      assert.equal(await list.getByRole("option").count(), COMMANDS.length);
      const selected = () => list.locator("[aria-selected=true]").innerText();
      assert.match(await selected(), /^\/me/);
      await composer.press("ArrowDown");
      assert.match(await selected(), /^\/shrug/);
      await composer.press("ArrowUp");
      await composer.press("ArrowUp");
      assert.match(await selected(), /^\/help/, "Up from the first wraps to the last");
      const active = await composer.getAttribute("aria-activedescendant");
      assert.equal(
        await page.locator(`#${active}`).innerText().then((s) => s.split(/\s/)[0]),
        "/help",
      );
      await forEachScreen(
        page,
        (s) => page.screenshot({ path: `${shots}picker-${s.width}-${s.colorScheme}.png` }),
      );
      await page.setViewportSize({ width: 1100, height: 760 });
      assert.deepEqual(await axeProblems(page, "command list"), []);
      await composer.press("Escape");
      await list.waitFor({ state: "hidden" });
      await composer.fill("");
    });

    await t.step("/sh offers /shrug; Enter picks it, and sending posts the shrug", async () => {
      await composer.pressSequentially("/sh");
      await list.getByRole("option", { name: /\/shrug/ }).waitFor();
      assert.equal(await list.getByRole("option").count(), 1);
      await composer.press("Enter");
      assert.equal(await composer.inputValue(), "/shrug ");
      await list.waitFor({ state: "hidden" });
      await composer.pressSequentially("so it goes");
      await composer.press("Enter");
      const row = page.locator("[data-testid=messages] li", { hasText: "so it goes ¯\\_(ツ)_/¯" });
      await row.waitFor();
      assert.equal(await composer.inputValue(), "");
      // Everyone sees it live, as a message.
      await benPage.locator("[data-testid=messages] li", { hasText: "so it goes ¯\\_(ツ)_/¯" })
        .waitFor();
    });

    await t.step("/topic changes the header, here and for Ben", async () => {
      await composer.pressSequentially("/topic Ship on Friday");
      await composer.press("Enter");
      await page.getByTestId("room-topic").getByText("Ship on Friday").waitFor();
      await page.getByRole("status").getByText("Topic set: Ship on Friday").waitFor();
      await benPage.getByTestId("room-topic").getByText("Ship on Friday").waitFor();
    });

    await t.step("an unknown command shows the error under the composer, text kept", async () => {
      await composer.fill("");
      await composer.pressSequentially("/frobnicate now");
      await composer.press("Enter");
      await page.getByRole("alert").getByText(
        "There is no /frobnicate command. Type /help to see the commands.",
      ).waitFor();
      assert.equal(await composer.inputValue(), "/frobnicate now");
      await forEachScreen(
        page,
        (s) => page.screenshot({ path: `${shots}error-${s.width}-${s.colorScheme}.png` }),
      );
      await page.setViewportSize({ width: 1100, height: 760 });
    });

    await t.step("/help typed out runs on Enter and lists the commands in place", async () => {
      await composer.fill("");
      await composer.pressSequentially("/help");
      await composer.press("Enter");
      const help = page.getByRole("region", { name: "Slash commands" });
      await help.waitFor();
      for (const info of COMMANDS) {
        await help.getByText(`/${info.name}`, { exact: false }).first().waitFor();
      }
      assert.equal(await page.getByRole("alert").count(), 0, "the earlier error went");
      assert.deepEqual(await axeProblems(page, "help"), []);
      await forEachScreen(
        page,
        (s) => page.screenshot({ path: `${shots}help-${s.width}-${s.colorScheme}.png` }),
      );
      await page.setViewportSize({ width: 1100, height: 760 });
      await help.getByRole("button", { name: "Close" }).click();
      await help.waitFor({ state: "hidden" });
    });

    await t.step(
      "/me shows the action in italics; //text sends the text with its slash",
      async () => {
        await composer.pressSequentially("/me waves");
        await composer.press("Enter");
        await page.locator("[data-testid=messages] li em", { hasText: "waves" }).waitFor();
        await composer.pressSequentially("//etc/hosts is odd");
        await composer.press("Enter");
        await page.locator("[data-testid=messages] li", { hasText: "/etc/hosts is odd" }).waitFor();
      },
    );

    await t.step("in a thread, /shrug replies there", async () => {
      const parent = await page.locator("[data-testid=messages] li[data-seq]", {
        hasText: "so it goes",
      }).getAttribute("data-seq");
      await page.goto(`${server.base}/conversations/${id}?thread=${parent}`);
      await page.getByText("Live", { exact: true }).waitFor();
      // The thread panel's code in place (it loads apart from the page's): Enter sends.
      await page.locator("#thread[data-hydrated]").waitFor();
      const reply = page.getByLabel("Reply", { exact: true });
      await reply.pressSequentially("/shrug in a thread");
      await reply.press("Enter");
      await page.getByTestId("thread-messages").getByText("in a thread ¯\\_(ツ)_/¯").waitFor();
      // The reply can arrive over the socket before the command's answer, which empties the box.
      await page.waitForFunction(() =>
        (document.getElementById("thread-composer") as HTMLTextAreaElement).value === ""
      );
      assert.equal(await reply.inputValue(), "");
    });

    await t.step("the page had no errors", () => {
      assert.deepEqual(errors, []);
    });
  },
);

browserTest(
  "without JavaScript, the composer's slash commands still run",
  async ({ server, browser }) => {
    const { ann } = await people(server, ["ann"], { displayNames: true });
    const made = await okJson(
      await server.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "quiet" }, ann.cookie),
      ),
      201,
    );
    const id: string = made.conversation.id;
    const page = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${id}`,
      context: { javaScriptEnabled: false },
    });
    const composer = page.getByLabel("Message", { exact: true });
    await composer.fill("/topic Plain pages work");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByTestId("room-topic").getByText("Plain pages work").waitFor();

    await page.getByLabel("Message", { exact: true }).fill("/nope");
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL(/\?error=unknown_command/);
    await page.getByText("Type /help to see the commands").first().waitFor();

    await page.getByLabel("Message", { exact: true }).fill("/help");
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL(/\/commands\?conversation=/);
    await page.getByTestId("command-list").getByText("/invite @user …").waitFor();
    const shots = screenshotsIn("slash_commands");
    await forEachScreen(
      page,
      (s) => page.screenshot({ path: `${shots}page-${s.width}-${s.colorScheme}.png` }),
    );
    await page.getByRole("link", { name: "Back to the conversation" }).first().click();
    await page.waitForURL(new RegExp(`/conversations/${id}$`));
  },
);
