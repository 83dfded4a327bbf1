/**
 * Item 9 of issue 15: presence people can rely on. Online means signed in with any tab open
 * (any socket, on any page, in any process), away when every one of them is hidden or idle,
 * offline when none is open. Before, "online" meant "has this conversation open": a person
 * with the app open elsewhere showed as offline. Two real server processes on one KV file.
 */
import assert from "node:assert/strict";
import { registerUser } from "../support/helpers.ts";
import { twoProcessTest } from "../support/two_servers.ts";
import { chatTest, type Client } from "../support/ws_client.ts";

type State = "active" | "away" | "offline";

/** The next `people` frame that tells `userId`'s state, waited for until it is `state`. */
async function until(client: Client, userId: string, state: State): Promise<void> {
  const deadline = Date.now() + 8000;
  while (true) {
    const frame = await client.next(
      "people",
      (f) => f.people.some((p) => p.id === userId),
      Math.max(1, deadline - Date.now()),
    );
    if (frame.people.find((p) => p.id === userId)!.state === state) return;
  }
}

twoProcessTest(
  "a person is online with any tab open anywhere, away when all are hidden, across processes",
  async ({ one, two, socket }) => {
    const ann = await registerUser(one);
    const ben = await registerUser(one);
    const cy = await registerUser(one);
    // Ann has the app open on the first process, in no conversation (the projects page).
    const a1 = await socket(one, ann.cookie);
    await a1.roundTrip();
    const b = await socket(two, ben.cookie);
    b.send({ type: "watch_people", userIds: [ann.user.id, cy.user.id] });
    // The watch's answer tells both; a change of Ann's heard from the other process as the
    // watch began may come first, telling her alone.
    const states: Record<string, string> = {};
    while (!(cy.user.id in states)) {
      const frame = await b.next("people");
      for (const p of frame.people) states[p.id] = p.state;
    }
    assert.deepEqual(states, { [ann.user.id]: "active", [cy.user.id]: "offline" });

    a1.send({ type: "presence", state: "away" });
    await until(b, ann.user.id, "away");

    // A looking tab of hers on the other process: active, though the first is away.
    const a2 = await socket(two, ann.cookie);
    await until(b, ann.user.id, "active");
    await a2.close();
    await until(b, ann.user.id, "away");

    // Cy opens the app: online at once for Ben.
    const c = await socket(one, cy.cookie);
    await until(b, cy.user.id, "active");
    await c.close();
    await until(b, cy.user.id, "offline");

    await a1.close();
    await until(b, ann.user.id, "offline");
  },
);

chatTest(
  "watch_people reads are bounded per socket: a loop of new people is refused",
  async (chat) => {
    const ann = await chat.person();
    const a = await chat.connect(ann);
    let refused = 0;
    // Each frame names 200 people nobody watches yet: a read each, from a budget of 800.
    for (let round = 0; round < 6; round++) {
      const userIds = Array.from({ length: 200 }, (_, i) => `nobody-${round}-${i}`);
      a.send({ type: "watch_people", userIds });
    }
    await a.roundTrip();
    const errors = a.pending("error").filter((f) => f.code === "rate_limited");
    refused = errors.length;
    assert.ok(refused >= 1, "some were refused");
    assert.ok(a.pending("people").length <= 4, "at most the budget's worth were read");
    await a.roundTrip(); // still open
  },
);
