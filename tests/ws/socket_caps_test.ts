/**
 * Item 18 of issue 15 (sockets): one account, and one address, hold a bounded number of
 * sockets on a process. Before the fix every upgrade was taken (no cap at all).
 */
import assert from "node:assert/strict";
import { SOCKETS_PER_ADDRESS, SOCKETS_PER_USER } from "../../lib/realtime/socket_caps.ts";
import { registerUser } from "../support/helpers.ts";
import { chatTest, type Client } from "../support/ws_client.ts";

/** A raw upgrade request: the status line and headers of the answer (no socket opens). */
async function upgradeStatus(
  base: string,
  cookie: string,
): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(base);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const request = [
    "GET /api/ws HTTP/1.1",
    `Host: ${hostname}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    `Origin: ${base}`,
    `Cookie: ${cookie}`,
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(request));
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.includes("\r\n\r\n") || (text.startsWith("HTTP/1.1 4") && !text.endsWith("}"))) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  const [head, body = ""] = text.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), head, body };
}

chatTest(
  "one account holds at most SOCKETS_PER_USER sockets; a closed one frees its place",
  async (chat) => {
    const ann = await chat.person();
    const open: Client[] = [];
    for (let i = 0; i < SOCKETS_PER_USER; i++) open.push(await chat.connect(ann));
    const refused = await upgradeStatus(chat.server.base, ann.cookie);
    assert.equal(refused.status, 429, refused.head);
    assert.match(refused.head, /retry-after: \d+/i);
    assert.equal(JSON.parse(refused.body).error.code, "rate_limited");
    // Someone else is not affected.
    const ben = await chat.person();
    await (await chat.connect(ben)).roundTrip();
    // A tab closes: its place is free again.
    await open.pop()!.close();
    let again: Client | null = null;
    for (let i = 0; i < 50 && !again; i++) {
      again = await chat.connect(ann).catch(() => null);
      if (!again) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(again, "a socket opens again once one closed");
    await again.roundTrip();
  },
);

chatTest(
  "one address holds at most SOCKETS_PER_ADDRESS sockets, whoever signs in",
  async (chat) => {
    const people = [];
    for (let i = 0; i * SOCKETS_PER_USER < SOCKETS_PER_ADDRESS; i++) {
      people.push(
        await chat.person(),
      );
    }
    let opened = 0;
    for (const p of people) {
      for (let i = 0; i < SOCKETS_PER_USER && opened < SOCKETS_PER_ADDRESS; i++, opened++) {
        await chat.connect(p);
      }
    }
    const extra = await registerUser(chat.server);
    const refused = await upgradeStatus(chat.server.base, extra.cookie);
    assert.equal(refused.status, 429, refused.head);
  },
);
