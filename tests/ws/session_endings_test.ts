/**
 * Item 13 of issue 15: every socket of a session that ended closes (1008) at once, in every
 * process: sign-out, "sign out everywhere", the session a password change rotates (and the
 * other sessions it ends), and the session a new sign-in replaces. Two real server processes
 * on one KV file; nothing but the store connects them. Before the fix, a socket on the other
 * process lived until its minute's session check, and a rotated or replaced session's
 * sockets lived on everywhere.
 */
import assert from "node:assert/strict";
import { json, registerUser, sessionCookieOf } from "../support/helpers.ts";
import { twoProcessTest } from "../support/two_servers.ts";
import type { Client } from "../support/ws_client.ts";

/** Far below the one-minute session check that was the only way before. */
const CLOSES_WITHIN_MS = 8000;

/** How long each socket took to close, from the answer that ended its session (ms). */
const measured: number[] = [];
let endedAt = 0;

async function assertClosedForSession(client: Client, what: string) {
  const event = await client.waitClosed(CLOSES_WITHIN_MS).catch((err) => {
    throw new Error(`${what}: ${err.message}`);
  });
  measured.push(Date.now() - endedAt);
  assert.equal(event.code, 1008, `${what}: closed with ${event.code} ${event.reason}`);
}

twoProcessTest(
  "sockets of an ended session close at once in every process (sign-out, password, sign-in)",
  async ({ one, two, socket }, t) => {
    const bystander = await registerUser(one);
    const watcher = await socket(two, bystander.cookie);

    await t.step("sign-out through one process closes its sockets in the other", async () => {
      const ann = await registerUser(one);
      const there = await socket(two, ann.cookie);
      const here = await socket(one, ann.cookie);
      const out = await one.fetch("/api/auth/logout", json("POST", undefined, ann.cookie));
      endedAt = Date.now();
      assert.equal(out.status, 204);
      await assertClosedForSession(here, "same process");
      await assertClosedForSession(there, "other process");
    });

    await t.step("a password change ends the other sessions and rotates this one", async () => {
      const ben = await registerUser(one);
      const login = await two.fetch(
        "/api/auth/login",
        json("POST", { username: ben.user.username, password: ben.password }),
      );
      assert.equal(login.status, 200);
      const otherDevice = sessionCookieOf(login);
      const stolen = await socket(two, otherDevice);
      const sameSessionHere = await socket(one, ben.cookie);
      const sameSessionThere = await socket(two, ben.cookie);
      const changed = await one.fetch(
        "/api/auth/password",
        json(
          "POST",
          { currentPassword: ben.password, newPassword: "a new long password 42" },
          ben.cookie,
        ),
      );
      endedAt = Date.now();
      assert.equal(changed.status, 204, await changed.clone().text());
      const fresh = sessionCookieOf(changed);
      await assertClosedForSession(stolen, "the other device's session, other process");
      await assertClosedForSession(sameSessionHere, "the rotated session, same process");
      await assertClosedForSession(sameSessionThere, "the rotated session, other process");
      const after = await socket(two, fresh);
      await after.roundTrip();
    });

    await t.step(
      "a new sign-in that replaces a session closes the old one's sockets",
      async () => {
        const cy = await registerUser(one);
        const here = await socket(one, cy.cookie);
        const there = await socket(two, cy.cookie);
        const again = await one.fetch(
          "/api/auth/login",
          json("POST", { username: cy.user.username, password: cy.password }, cy.cookie),
        );
        endedAt = Date.now();
        assert.equal(again.status, 200);
        await assertClosedForSession(here, "same process");
        await assertClosedForSession(there, "other process");
        const fresh = await socket(two, sessionCookieOf(again));
        await fresh.roundTrip();
      },
    );

    await t.step("sign out everywhere through one process closes them all", async () => {
      const dee = await registerUser(one);
      const login = await one.fetch(
        "/api/auth/login",
        json("POST", { username: dee.user.username, password: dee.password }),
      );
      const second = sessionCookieOf(login);
      const sockets = [
        await socket(one, dee.cookie),
        await socket(two, dee.cookie),
        await socket(two, second),
      ];
      const out = await two.fetch(
        "/api/auth/sessions/revoke-all",
        json("POST", undefined, second),
      );
      endedAt = Date.now();
      assert.equal(out.status, 204);
      for (const [i, s] of sockets.entries()) await assertClosedForSession(s, `socket ${i}`);
    });

    await t.step("someone else's socket stayed open throughout", async () => {
      await watcher.roundTrip();
    });
    console.log(
      `sockets closed after their session ended: max ${Math.max(...measured)} ms, ` +
        `median ${
          measured.toSorted((a, b) => a - b)[measured.length >> 1]
        } ms (${measured.length})`,
    );
  },
);
