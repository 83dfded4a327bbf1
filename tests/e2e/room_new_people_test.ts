/**
 * The chat header watches someone added after the page was made: Cat, added to a project
 * while Ben has its conversation open, writes there (so Ben's room meets her) and then has
 * the app open elsewhere: Ben's header says she is online without a reload (the room sends
 * watch_people again when it meets someone new). Before, only the page's participants were
 * watched. Chromium at 375 and 1280 px, light and dark (test-output/new_people/).
 */
import assert from "node:assert/strict";
import { browserTest, forEachScreen, openChatPage, screenshotsIn } from "../support/browser.ts";
import { createProjectVia, json, registerUser } from "../support/helpers.ts";
import { openSocket } from "../support/ws_client.ts";

const OUT = screenshotsIn("new_people");

browserTest("someone added later is watched in the chat header without a reload", async ({
  server,
  browser,
}) => {
  const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
  const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
  const cat = await registerUser(server, { username: "cat", displayName: "Cat Day" });
  const project = await createProjectVia(server, ann.cookie, { name: "Apollo" }, ["ben"]);
  const errors: string[] = [];
  const page = await openChatPage(browser, server.base, ben.cookie, {
    path: `/conversations/${project.conversationId}`,
    errors,
  });
  const presence = page.getByTestId("presence");
  await presence.getByText("nobody else online").waitFor();

  const added = await server.fetch(
    `/api/projects/${project.id}/members`,
    json("POST", { username: "cat" }, ann.cookie),
  );
  assert.equal(added.status, 201, await added.clone().text());
  const sent = await server.fetch(
    `/api/conversations/${project.conversationId}/messages`,
    json("POST", { content: "Hello, I'm new here" }, cat.cookie),
  );
  assert.equal(sent.status, 201);
  await page.getByTestId("messages").getByText("Hello, I'm new here").waitFor();
  await presence.getByText("3 people · nobody else online").waitFor({ timeout: 5000 });

  // Cat opens the app elsewhere (a socket in no conversation): online anywhere.
  const c = await openSocket(server.base, cat.cookie);
  await presence.getByText("Online: Cat Day", { exact: true }).waitFor({ timeout: 5000 });
  await forEachScreen(page, (s) =>
    page.locator("header").first().screenshot({
      path: `${OUT}header-${s.width}-${s.colorScheme}.png`,
    }));
  await c.close();
  await presence.getByText("3 people · nobody else online").waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
});
