/**
 * Presence across hubs: two servers (each its own hub, no doorbell channel between them, as
 * two processes or instances) on one KV file. Each sees the other's people come, go away, come
 * back and leave, through the views in KV and the presence counter its head poll reads.
 */
import assert from "node:assert/strict";
import { createConversationVia, registerUser } from "../support/helpers.ts";
import { twoHubTest } from "../support/two_servers.ts";
import { join } from "../support/ws_client.ts";

const ids = (users: { id: string }[]) => users.map((u) => u.id).sort();

twoHubTest(
  "presence crosses hubs: two servers on one KV file see each other's people",
  async ({ one, two, socket }) => {
    const ann = await registerUser(one);
    const ben = await registerUser(one);
    const id = await createConversationVia(one, ann.cookie, [ben.user]);
    const both = ids([ann.user, ben.user]);

    const a = await socket(one, ann.cookie);
    await join(a, id);
    const b = await socket(two, ben.cookie);
    await join(b, id);
    // Ben hears that Ann is here: in his own status when her hub's view had landed before
    // his server read the views, else as her arrival within a poll.
    const own = await b.next("status", (f) => f.user.id === ben.user.id);
    if (!ids(own.online).includes(ann.user.id)) {
      const seen = await b.next("status", (f) => f.event === "joined" && f.user.id === ann.user.id);
      assert.deepEqual(ids(seen.online), both);
    }
    // Ann's server hears of Ben from his server's view.
    const arrived = await a.next(
      "status",
      (f) => f.event === "joined" && f.user.id === ben.user.id,
    );
    assert.deepEqual(ids(arrived.online), both);
    assert.deepEqual(arrived.away, []);

    b.send({ type: "presence", state: "away" });
    const away = await a.next("presence", (f) => f.user.id === ben.user.id);
    assert.equal(away.state, "away");
    assert.deepEqual(away.away, [ben.user.id]);

    // A looking tab of Ben's on Ann's server: he is back, though his first tab is away.
    const b2 = await socket(one, ben.cookie);
    await join(b2, id);
    assert.equal((await a.next("presence", (f) => f.user.id === ben.user.id)).state, "active");
    await b2.close();
    assert.equal((await a.next("presence", (f) => f.user.id === ben.user.id)).state, "away");

    // Ben's server shuts down: its view goes with it, and Ann hears that he left.
    await two.ctx.hub.shutdown();
    const left = await a.next("status", (f) => f.event === "left" && f.user.id === ben.user.id);
    assert.deepEqual(ids(left.online), [ann.user.id]);
    assert.deepEqual(left.away, []);
  },
);

twoHubTest(
  "typing and list activity cross hubs: two servers on one KV file",
  async ({ one, two, socket }) => {
    const ann = await registerUser(one);
    const ben = await registerUser(one);
    const id = await createConversationVia(one, ann.cookie, [ben.user]);
    const a = await socket(one, ann.cookie);
    await join(a, id);
    const b = await socket(two, ben.cookie);
    await join(b, id);
    // Ben's conversation list, on the other server, not in the room.
    const list = await socket(two, ben.cookie);
    list.send({ type: "watch_list" });
    await list.roundTrip();

    a.send({ type: "typing", conversationId: id });
    assert.equal((await b.next("typing", () => true, 5000)).user.id, ann.user.id);
    a.send({ type: "send_message", conversationId: id, content: "hello there", clientId: "a-1" });
    await a.next("ack");
    const moved = await list.next("activity", (f) => f.conversationId === id, 5000);
    assert.equal(moved.message.content, "hello there");
  },
);
