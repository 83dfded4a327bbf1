/** Project conversations over WebSocket: only members join, and a removed member stops at once. */
import assert from "node:assert/strict";
import { NotFoundError } from "../lib/errors.ts";
import {
  addProjectMember,
  createProject,
  type Project,
  removeProjectMember,
} from "../lib/projects.ts";
import { type Connection, Hub } from "../lib/realtime.ts";
import type { ServerFrame } from "../lib/realtime_protocol.ts";
import { createUser, type User } from "../lib/users.ts";
import { json, registerUser, startTestServer } from "./helpers.ts";

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
type Person = { user: User; cookie: string };
type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** How long an expected frame may take (nothing here is slow). */
const WAIT_MS = 3000;
/** How long to listen for a frame that must not come. */
const QUIET_MS = 250;

/** Deno's WebSocket takes `{ headers }`; the "dom" lib types only the browser's constructor. */
const DenoWebSocket = WebSocket as unknown as new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

/** One open socket and the frames it received that no test has taken yet. */
class Client {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<void>;
  #wake: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.addEventListener("close", () => resolve()));
    ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(e.data));
      this.#wake?.();
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Takes the oldest frame of `type` matching `where`, waiting up to WAIT_MS for it. */
  async next<T extends ServerFrame["type"]>(
    type: T,
    where: (frame: FrameOf<T>) => boolean = () => true,
  ): Promise<FrameOf<T>> {
    const deadline = Date.now() + WAIT_MS;
    while (true) {
      const i = this.frames.findIndex((f) => f.type === type && where(f as FrameOf<T>));
      if (i !== -1) return this.frames.splice(i, 1)[0] as FrameOf<T>;
      if (Date.now() >= deadline || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no "${type}" frame came; unclaimed: ${JSON.stringify(this.frames)}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, deadline - Date.now());
      });
      clearTimeout(timer);
      this.#wake = null;
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

/** Runs `fn` with a real server; every socket it opened is closed before the server stops. */
async function withServer(
  fn: (chat: { server: TestServer; connect(who: Person): Promise<Client> }) => Promise<void>,
) {
  const server = await startTestServer();
  const clients: Client[] = [];
  const connect = async (who: Person) => {
    const ws = new DenoWebSocket(`${server.base.replace(/^http/, "ws")}/api/ws`, {
      headers: { cookie: who.cookie, origin: server.base },
    });
    const client = new Client(ws);
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("the socket did not open")));
    });
    return client;
  };
  try {
    await fn({ server, connect });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  }
}

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

/** Joins and waits for the history that proves the join was accepted. */
async function join(client: Client, conversationId: string) {
  client.send({ type: "join", conversationId });
  await client.next("recent_messages", (f) => f.conversationId === conversationId);
}

/** Sends over the socket and waits for the server's ack. */
async function say(client: Client, conversationId: string, content: string) {
  const clientId = crypto.randomUUID();
  client.send({ type: "send_message", conversationId, content, clientId });
  return (await client.next("ack", (f) => f.clientId === clientId)).message;
}

/** True when any frame the client got carries `content` (a message or an activity). */
function heard(client: Client, content: string): boolean {
  return client.frames.some((f) =>
    (f.type === "message" || f.type === "activity") && f.message.content === content
  );
}

Deno.test("a non-member cannot join or write to a project's conversation", async () => {
  await withServer(async ({ server, connect }) => {
    const [ada, eve] = await Promise.all([registerUser(server), registerUser(server)]);
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
  });
});

Deno.test("someone added to a project can then join its conversation on an open socket", async () => {
  await withServer(async ({ server, connect }) => {
    const [ada, bob] = await Promise.all([registerUser(server), registerUser(server)]);
    const project = await projectOf(server, ada);
    const client = await connect(bob);
    client.send({ type: "join", conversationId: project.conversationId });
    assert.equal((await client.next("error")).code, "not_found");

    await addMember(server, ada, project, bob);
    await join(client, project.conversationId);
  });
});

Deno.test("a member removed through REST is evicted from the live conversation at once", async (t) => {
  await withServer(async ({ server, connect }) => {
    const [ada, bob] = await Promise.all([registerUser(server), registerUser(server)]);
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
  });
});

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
      cursors: new Map(),
      send: (frame) => frames.push(frame),
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
