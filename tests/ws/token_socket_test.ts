/**
 * WebSockets signed in with an access token (`Authorization: Bearer`, no cookie, no Origin):
 * they work like a person's, and end (1008) when the token is revoked — in the process that
 * revoked it and in another one (two real processes, only the store between them) — or when
 * the account is disabled; ending another session of the same person leaves them open.
 */
import assert from "node:assert/strict";
import { json, registerUser } from "../support/helpers.ts";
import { twoProcessTest } from "../support/two_servers.ts";
import { chatTest, Client, DenoWebSocket, rawUpgrade } from "../support/ws_client.ts";
import { publishAccountEvent, updateAccountFlags } from "../../lib/accounts/mod.ts";

/** Far below the one-minute check every socket also gets. */
const CLOSES_WITHIN_MS = 8000;

type Fetcher = { fetch(path: string, init?: RequestInit): Promise<Response> };

/** Opens a socket to `base` with only the token (no cookie, no Origin); closed by the caller. */
async function tokenSocket(base: string, secret: string, track: Client[]): Promise<Client> {
  const ws = new DenoWebSocket(`${base.replace(/^http/, "ws")}/api/ws`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  const client = new Client(ws);
  track.push(client);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", (e) => reject(new Error((e as ErrorEvent).message)));
  });
  return client;
}

async function makeToken(server: Fetcher, cookie: string, name = "script") {
  const res = await server.fetch("/api/tokens", json("POST", { name }, cookie));
  assert.equal(res.status, 201);
  return (await res.json()) as { token: { id: string }; secret: string };
}

async function revoke(server: Fetcher, cookie: string, id: string) {
  const res = await server.fetch(`/api/tokens/${id}`, json("DELETE", undefined, cookie));
  assert.equal(res.status, 204);
}

chatTest(
  "a token's socket joins, sends and hears like a person's, without an Origin",
  async (chat) => {
    const sockets: Client[] = [];
    try {
      const ann = await chat.person();
      const ben = await chat.person();
      const conversationId = await chat.conversation(ann, ben);
      const { secret } = await makeToken(chat.server, ann.cookie);
      const script = await tokenSocket(chat.server.base, secret, sockets);
      const b = await chat.connect(ben);
      script.send({ type: "join", conversationId });
      b.send({ type: "join", conversationId });
      await script.next("recent_messages");
      await b.next("recent_messages");
      script.send({
        type: "send_message",
        conversationId,
        content: "from a script",
        clientId: "s-1",
      });
      const ack = await script.next("ack");
      assert.equal(ack.message.author.id, ann.user.id);
      assert.equal((await b.next("message")).message.content, "from a script");

      // Refused before the upgrade: an unknown token (401), a cookie upgrade without Origin (403).
      const bad = await rawUpgrade(chat.server.base, {
        authorization: `Bearer hth_${"q".repeat(43)}`,
      });
      assert.equal(bad.status, 401);
      assert.match(bad.body, /invalid_token/);
      const noOrigin = await rawUpgrade(chat.server.base, { cookie: ann.cookie });
      assert.equal(noOrigin.status, 403);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  },
);

chatTest(
  "a token's socket closes when its account is disabled, not when another session ends",
  async (chat) => {
    const sockets: Client[] = [];
    try {
      const ann = await chat.person();
      const { secret } = await makeToken(chat.server, ann.cookie);
      const other = await makeToken(chat.server, ann.cookie, "other");
      const script = await tokenSocket(chat.server.base, secret, sockets);
      await script.roundTrip();
      // Ann signs out in her browser and revokes another token: this token lives on.
      await revoke(chat.server, ann.cookie, other.token.id);
      const out = await chat.server.fetch("/api/auth/logout", json("POST", undefined, ann.cookie));
      assert.equal(out.status, 204);
      await new Promise((r) => setTimeout(r, 1500)); // several event polls
      await script.roundTrip();
      await updateAccountFlags(chat.server.ctx.kv, ann.user.id, { disabled: true });
      // As the admin routes and CLI do: the account event ends its sockets everywhere.
      await publishAccountEvent(chat.server.ctx.kv, ann.user.id);
      const closed = await script.waitClosed(CLOSES_WITHIN_MS);
      assert.equal(closed.code, 1008);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  },
);

twoProcessTest(
  "revoking a token closes its sockets at once in every process",
  async ({ one, two }) => {
    const sockets: Client[] = [];
    try {
      const ann = await registerUser(one);
      const keep = await makeToken(one, ann.cookie, "keep");
      const gone = await makeToken(one, ann.cookie, "gone");
      const here = await tokenSocket(one.base, gone.secret, sockets);
      const there = await tokenSocket(two.base, gone.secret, sockets);
      const kept = await tokenSocket(two.base, keep.secret, sockets);
      await Promise.all([here.roundTrip(), there.roundTrip(), kept.roundTrip()]);
      const started = Date.now();
      await revoke(one, ann.cookie, gone.token.id);
      assert.equal((await here.waitClosed(CLOSES_WITHIN_MS)).code, 1008, "same process");
      assert.equal((await there.waitClosed(CLOSES_WITHIN_MS)).code, 1008, "other process");
      console.log(`token sockets closed ${Date.now() - started} ms after the revocation`);
      await kept.roundTrip();
      const refused = await rawUpgrade(two.base, { authorization: `Bearer ${gone.secret}` });
      assert.equal(refused.status, 401, "and it opens no new one");
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  },
);
