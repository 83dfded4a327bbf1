/**
 * Per-address limits behind a proxy (issue 15's review): without TRUST_PROXY every client is
 * the socket peer (behind a proxy, the proxy: everyone shares one address's limits and socket
 * cap); with it, the last X-Forwarded-For entry, the one the proxy appended.
 */
import assert from "node:assert/strict";
import { json, registerUser, startTestServer, withCookie } from "../support/helpers.ts";

async function sessionAddress(
  env: Record<string, string>,
  forwardedFor: string | null,
): Promise<string> {
  const server = await startTestServer(env);
  try {
    const ann = await registerUser(server);
    const init = json("POST", { username: ann.user.username, password: ann.password });
    const headers = new Headers(init.headers);
    if (forwardedFor !== null) headers.set("x-forwarded-for", forwardedFor);
    const login = await server.fetch("/api/auth/login", { ...init, headers });
    assert.equal(login.status, 200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const res = await server.fetch("/api/auth/sessions", withCookie(cookie));
    const { sessions } = await res.json();
    return sessions.find((s: { current: boolean }) => s.current).address;
  } finally {
    await server.close();
  }
}

Deno.test("without TRUST_PROXY the address is the socket peer, whatever X-Forwarded-For says", async () => {
  assert.equal(await sessionAddress({}, "203.0.113.9"), "127.0.0.1");
});

Deno.test("with TRUST_PROXY the address is the entry the proxy appended, not the client's", async () => {
  const trust = { TRUST_PROXY: "true" };
  assert.equal(await sessionAddress(trust, "198.51.100.1, 203.0.113.9"), "203.0.113.9");
  assert.equal(await sessionAddress(trust, "2001:db8::7"), "2001:db8::7");
  // Nothing usable: the socket peer, as without the setting.
  assert.equal(await sessionAddress(trust, "not an address"), "127.0.0.1");
  assert.equal(await sessionAddress(trust, null), "127.0.0.1");
});
