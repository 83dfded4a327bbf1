/** Project conversations over WebSocket: only members join, and a removed member stops at once. */
import assert from "node:assert/strict";
import { NotFoundError } from "../../lib/errors.ts";
import {
  addProjectMember,
  createProject,
  type Project,
  removeProjectMember,
} from "../../lib/projects/mod.ts";
import { type Connection, Hub } from "../../lib/realtime/mod.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import { createUser } from "../../lib/accounts/mod.ts";
import { json, type Person } from "../support/helpers.ts";
import { chatTest, type Client, join, sendAndAck, type TestServer } from "../support/ws_client.ts";

/** How long to listen for a frame that must not come. */
const QUIET_MS = 250;

async function projectOf(server: TestServer, owner: Person, ...members: Person[]) {
  const res = await server.fetch("/api/projects", json("POST", { name: "Live" }, owner.cookie));
  assert.equal(res.status, 201);
  const { project }: { project: Project } = await res.json();
  for (const who of members) await addMember(server, owner, project, who);
  return project;
}

async function addMember(server: TestServer, owner: Person, project: Project, who: Person) {
  const res = await server.fetch(
    `/api/projects/${project.id}/members`,
    json("POST", { username: who.user.username }, owner.cookie),
  );
  assert.equal(res.status, 201);
  await res.body?.cancel();
}

/** Sends over the socket (with a fresh clientId) and waits for the server's ack. */
function say(client: Client, conversationId: string, content: string) {
  return sendAndAck(client, conversationId, content, crypto.randomUUID());
}

/** True when any frame the client got carries `content` (a message or an activity). */
function heard(client: Client, content: string): boolean {
  return client.frames.some((f) =>
    (f.type === "message" || f.type === "activity") && f.message.content === content
  );
}

chatTest(
  "a non-member cannot join or write to a project's conversation",
  async ({ server, person, connect }) => {
    const [ada, eve] = await Promise.all([person(), person()]);
    const project = await projectOf(server, ada);
    const owner = await connect(ada);
    await join(owner, project.conversationId);

    const intruder = await connect(eve);
    intruder.send({ type: "join", conversationId: project.conversationId });
    const error = await intruder.next("error");
    assert.equal(error.code, "not_found");
    assert.equal(error.ref, project.conversationId);

    const clientId = crypto.randomUUID();
    intruder.send({
      type: "send_message",
      conversationId: project.conversationId,
      content: "let me in",
      clientId,
    });
    assert.equal((await intruder.next("error", (f) => f.ref === clientId)).code, "not_found");

    await say(owner, project.conversationId, "members only");
    await owner.next("message", (f) => f.message.content === "members only");
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.ok(!heard(intruder, "members only"), "the intruder hears nothing");
    assert.ok(!heard(owner, "let me in"), "nothing the intruder sent was delivered");
  },
);

chatTest(
  "someone added to a project can then join its conversation on an open socket",
  async ({ server, person, connect }) => {
    const [ada, bob] = await Promise.all([person(), person()]);
    const project = await projectOf(server, ada);
    const client = await connect(bob);
    client.send({ type: "join", conversationId: project.conversationId });
    assert.equal((await client.next("error")).code, "not_found");

    await addMember(server, ada, project, bob);
    await join(client, project.conversationId);
  },
);

chatTest(
  "a member removed through REST is evicted from the live conversation at once",
  async ({ server, person, connect }, t) => {
    const [ada, bob] = await Promise.all([person(), person()]);
    const project = await projectOf(server, ada, bob);
    const conversationId = project.conversationId;
    const owner = await connect(ada);
    const member = await connect(bob);
    await join(owner, conversationId);
    await join(member, conversationId);

    await t.step("before the removal the member hears the owner", async () => {
      await say(owner, conversationId, "before");
      const frame = await member.next("message", (f) => f.message.content === "before");
      assert.equal(frame.message.conversationId, conversationId);
    });

    await t.step("the removal sends the member's socket an error frame 'removed'", async () => {
      const res = await server.fetch(
        `/api/projects/${project.id}/members/${bob.user.id}`,
        json("DELETE", undefined, ada.cookie),
      );
      assert.equal(res.status, 204);
      await res.body?.cancel();
      const error = await member.next("error");
      assert.equal(error.code, "removed");
      assert.equal(error.ref, conversationId);
    });

    await t.step("the next message does not reach the removed member", async () => {
      await say(owner, conversationId, "after");
      // The room's delivery reached the owner, so it has run for every socket still in it.
      await owner.next("message", (f) => f.message.content === "after");
      await new Promise((r) => setTimeout(r, QUIET_MS));
      assert.ok(!heard(member, "after"), `frames: ${JSON.stringify(member.frames)}`);
    });

    await t.step("joining again is not_found, and the socket itself stays open", async () => {
      member.send({ type: "join", conversationId });
      const error = await member.next("error");
      assert.equal(error.code, "not_found");
      assert.equal(error.ref, conversationId);
      member.send({ type: "ping" });
      await member.next("pong");
      assert.equal(member.ws.readyState, WebSocket.OPEN);
    });
  },
);

/**
 * A store whose next `list` (the join's history read) waits at a gate, so a test can run
 * something between a join's membership check and its subscription.
 */
function gatedKv(kv: Deno.Kv) {
  let reached = () => {};
  const atGate = new Promise<void>((resolve) => reached = resolve);
  let open = () => {};
  const gate = new Promise<void>((resolve) => open = resolve);
  let armed = false;
  const store = new Proxy(kv, {
    get(target, prop) {
      if (prop === "list" && armed) {
        armed = false;
        return (...args: Parameters<Deno.Kv["list"]>) =>
          (async function* () {
            reached();
            await gate;
            yield* target.list(...args);
          })();
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, arm: () => armed = true, atGate, open };
}

Deno.test("a join racing the member's removal does not subscribe them", async () => {
  const kv = await Deno.openKv(":memory:");
  const gated = gatedKv(kv);
  const hub = new Hub(gated.store, { channelName: null });
  try {
    const password = "correct horse battery";
    const [ada, bob] = await Promise.all([
      createUser(kv, { username: "ada", password }),
      createUser(kv, { username: "bob", password }),
    ]);
    const project = await createProject(kv, ada, { name: "Race" });
    await addProjectMember(kv, project, { user: bob, role: "member" });
    const frames: ServerFrame[] = [];
    const conn: Connection = {
      user: bob,
      sessionId: "bob-session",
      cursors: new Map(),
      send: (frame) => frames.push(typeof frame === "string" ? JSON.parse(frame) : frame),
      close: () => {},
    };
    hub.connect(conn);

    gated.arm();
    const joining = hub.join(conn, project.conversationId);
    await gated.atGate; // the membership check has passed
    await removeProjectMember(kv, project, { actorId: ada.id, userId: bob.id });
    hub.evict(project.conversationId, bob.id);
    gated.open();

    await assert.rejects(joining, NotFoundError);
    assert.ok(!conn.cursors.has(project.conversationId), "not subscribed");
    await hub.send(ada, { conversationId: project.conversationId, content: "secret" });
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(
      !frames.some((f) =>
        (f.type === "message" || f.type === "activity") && f.message.content === "secret"
      ),
      `frames: ${JSON.stringify(frames)}`,
    );
  } finally {
    hub.close();
    kv.close();
  }
});
