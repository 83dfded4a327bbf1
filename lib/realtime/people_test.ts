import assert from "node:assert/strict";
import { connect, until, withRoom } from "./test_fixtures.ts";

Deno.test("People: a watch_people handled after its socket closed leaves no watcher behind", async () => {
  await withRoom(async ({ hub, people: { ann, ben } }) => {
    // A frame queued behind a slow one runs after the socket's close was handled.
    const a = connect(hub, ann);
    a.close(1000, "gone");
    await hub.watchPeople(a, [ben.id]);
    // A live watcher of Ben, to know when his coming online has been told.
    const c = connect(hub, ann);
    await hub.watchPeople(c, [ben.id]);
    connect(hub, ben);
    await until(
      () => c.framesOf("people").some((f) => f.people.some((p) => p.state === "active")),
      "the live socket heard Ben come online",
    );
    assert.deepEqual(a.frames, [], "the closed socket is told nothing (it is not kept)");
  });
});
