/**
 * Issue 15, item 9, in the chat header: Ben with the app open on another page (not this
 * conversation) is online here, away when his tab is hidden, and offline once it closes.
 * Before, only people with this conversation open counted. Chromium at 375 and 1280 px,
 * light and dark (test-output/sidebar/header-*.png).
 */
import {
  annAndBen,
  browserTest,
  forEachScreen,
  openChatPage,
  screenshotsIn,
} from "../support/browser.ts";
import { openSocket } from "../support/ws_client.ts";

const OUT = screenshotsIn("sidebar");

browserTest(
  "the chat header counts someone online anywhere, not only in this room",
  async ({ server, browser }) => {
    const { ann, ben, id } = await annAndBen(server);
    const page = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${id}`,
    });
    const presence = page.getByTestId("presence");
    await presence.getByText("nobody else online").waitFor();
    // Ben opens the app elsewhere (his projects page: a socket in no conversation).
    const b = await openSocket(server.base, ben.cookie);
    await presence.getByText("Online: Ben Ode", { exact: true }).waitFor({ timeout: 5000 });
    b.send({ type: "presence", state: "away" });
    await presence.getByText("Online: Ben Ode (away)").waitFor({ timeout: 5000 });
    await forEachScreen(page, (s) =>
      page.locator("header").first().screenshot({
        path: `${OUT}header-${s.width}-${s.colorScheme}.png`,
      }));
    await b.close();
    await presence.getByText("nobody else online").waitFor({ timeout: 5000 });
  },
);
