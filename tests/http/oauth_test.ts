/**
 * OAuth / OpenID Connect sign-in over real HTTP against a real provider (oauth2-mock-server in
 * its own process, tests/oauth_provider.ts) standing in for both an OIDC issuer and GitHub.
 * A tiny cookie jar plays the browser: redirects are followed by hand, cookies carried.
 */
import assert from "node:assert/strict";
import { listIdentities, type OAuthState } from "../../lib/accounts/mod.ts";
import { launchChromium } from "../support/browser.ts";
import { assertError, json, registerUser, startTestServer } from "../support/helpers.ts";
import { Jar, startProvider } from "../support/oauth_client.ts";
import { oauthStateKey } from "../../lib/storage/mod.ts";

Deno.test({
  name: "OAuth and OpenID Connect sign-in, linking and refusals over real HTTP",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const provider = await startProvider();
    const server = await startTestServer({
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: "hearth",
      OIDC_CLIENT_SECRET: "hearth-secret",
      OIDC_NAME: "Acme SSO",
      GITHUB_CLIENT_ID: "gh-client",
      GITHUB_CLIENT_SECRET: "gh-secret",
      GITHUB_AUTHORIZE_URL: `${provider.issuer}/authorize`,
      GITHUB_TOKEN_URL: `${provider.issuer}/token`,
      GITHUB_API_URL: provider.issuer,
    });
    const app = server.base;
    const isApp = (u: URL) => u.origin === app;

    /** The whole flow from the start link to the page it lands on. */
    async function signInVia(jar: Jar, path: string) {
      return await jar.follow(`${app}${path}`);
    }
    /** The flow up to (not into) the callback: the URL the provider sends the browser back to. */
    async function untilCallback(jar: Jar, path: string): Promise<URL> {
      const { url } = await jar.follow(
        `${app}${path}`,
        (next) => !(isApp(next) && next.pathname.endsWith("/callback")),
      );
      assert.match(url.pathname, /\/callback$/);
      return url;
    }
    async function whoIs(jar: Jar) {
      const res = await jar.get(`${app}/api/auth/check`);
      return (await res.json()).user as
        | { id: string; username: string; displayName: string }
        | null;
    }
    async function assertRefused(res: Response, status: number, code: string) {
      assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}`);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const html = await res.text();
      assert.match(html, new RegExp(`data-oauth-error="${code}"`), html.slice(0, 2000));
      assert.doesNotMatch(html, /stack|OperationProcessingError|at file:/);
    }

    try {
      let ada: { id: string; username: string; displayName: string } | null = null;

      await t.step("the first OIDC sign-in creates an account and a session", async () => {
        await provider.control({
          identity: {
            sub: "oidc-ada",
            preferred_username: "Ada.L",
            email: "ada@example.com",
            name: "Ada Lovelace",
          },
        });
        const jar = new Jar();
        const { res, url } = await signInVia(jar, "/auth/oauth/oidc/signin?next=/projects");
        await res.body?.cancel();
        assert.equal(url.pathname, "/projects");
        ada = await whoIs(jar);
        assert.equal(ada?.username, "ada.l");
        assert.equal(ada?.displayName, "Ada Lovelace");
      });

      await t.step(
        "a second sign-in with the same subject signs into the same account",
        async () => {
          await provider.control({
            identity: { sub: "oidc-ada", preferred_username: "someone-else" },
          });
          const jar = new Jar();
          await signInVia(jar, "/auth/oauth/oidc/signin");
          assert.equal((await whoIs(jar))?.id, ada!.id);
        },
      );

      await t.step(
        "an account made by OAuth has no password: password sign-in fails cleanly",
        async () => {
          const res = await server.fetch(
            "/api/auth/login",
            json("POST", { username: "ada.l", password: "any password at all" }),
          );
          await assertError(res, 401, "invalid_credentials");
        },
      );

      await t.step("a taken username gets a numeric suffix (OIDC and GitHub)", async () => {
        await registerUser(server, { username: "grace" });
        await provider.control({ identity: { sub: "oidc-grace", preferred_username: "grace" } });
        const oidc = new Jar();
        await signInVia(oidc, "/auth/oauth/oidc/signin");
        assert.equal((await whoIs(oidc))?.username, "grace2");
        await provider.control({ identity: { sub: "1001", login: "Grace", name: "Grace Hopper" } });
        const gh = new Jar();
        await signInVia(gh, "/auth/oauth/github/signin");
        const user = await whoIs(gh);
        assert.equal(user?.username, "grace3");
        assert.equal(user?.displayName, "Grace Hopper");
      });

      await t.step("a replayed callback (state already used) is refused", async () => {
        await provider.control({ identity: { sub: "oidc-replay", preferred_username: "replay" } });
        const jar = new Jar();
        const callback = await untilCallback(jar, "/auth/oauth/oidc/signin");
        const attacker = jar.clone(); // even with the same browser binding
        const first = await jar.get(callback);
        assert.equal(first.status, 303);
        await assertRefused(await attacker.get(callback), 400, "invalid_state");
        assert.equal(await whoIs(attacker), null);
      });

      await t.step("a forged or missing state is refused", async () => {
        await provider.control({ identity: { sub: "oidc-forged", preferred_username: "forged" } });
        const jar = new Jar();
        const callback = await untilCallback(jar, "/auth/oauth/oidc/signin");
        const forged = new URL(callback);
        forged.searchParams.set("state", "made-up-state-value");
        await assertRefused(await jar.get(forged), 400, "invalid_state");
        forged.searchParams.delete("state");
        await assertRefused(await jar.get(forged), 400, "invalid_state");
        assert.equal(await whoIs(jar), null);
      });

      await t.step("a callback opened in another browser is refused (login CSRF)", async () => {
        await provider.control({
          identity: { sub: "oidc-attacker", preferred_username: "attacker" },
        });
        const attacker = new Jar();
        const callback = await untilCallback(attacker, "/auth/oauth/oidc/signin");
        const victim = new Jar();
        await assertRefused(await victim.get(callback), 400, "state_mismatch");
        assert.equal(await whoIs(victim), null);
      });

      await t.step("an expired state is refused, and used up", async () => {
        await provider.control({ identity: { sub: "oidc-late", preferred_username: "late" } });
        const jar = new Jar();
        const callback = await untilCallback(jar, "/auth/oauth/oidc/signin");
        const state = callback.searchParams.get("state")!;
        const key = oauthStateKey(state);
        const entry = await server.ctx.kv.get<OAuthState>(key);
        assert.ok(entry.value, "the state is kept in KV");
        assert.ok(entry.value.expiresAt - Date.now() <= 10 * 60_000);
        await server.ctx.kv.set(key, { ...entry.value, expiresAt: Date.now() - 1 });
        await assertRefused(await jar.get(callback), 400, "expired_state");
        assert.equal((await server.ctx.kv.get(key)).value, null);
        assert.equal(await whoIs(jar), null);
      });

      await t.step(
        "denied consent, a failed token exchange and a wrong nonce are clear 400s",
        async () => {
          for (
            const [flags, code] of [
              [{ deny: true }, "access_denied"],
              [{ failToken: true }, "token_failed"],
              [{ badNonce: true }, "invalid_id_token"],
            ] as const
          ) {
            await provider.control({ identity: { sub: `oidc-${code}` }, ...flags });
            const jar = new Jar();
            const { res } = await signInVia(jar, "/auth/oauth/oidc/signin");
            await assertRefused(res, 400, code);
            assert.equal(await whoIs(jar), null);
          }
        },
      );

      let linus: { user: { id: string }; cookie: string };
      await t.step("a signed-in password account links GitHub, then signs in with it", async () => {
        linus = await registerUser(server, { username: "linus" });
        const jar = new Jar();
        const [name, value] = linus.cookie.split("=");
        jar.cookies.set(name, value);
        await provider.control({
          identity: { sub: "777", login: "linus-gh", email: "l@example.com" },
        });
        const { res, url } = await jar.follow(
          `${app}/auth/oauth/github/signin?link=1`,
          (next) => !(isApp(next) && next.pathname === "/account"),
        );
        assert.equal(res.status, 303);
        assert.equal(url.pathname, "/account");
        const account = await (await jar.get(`${app}/account`)).text();
        assert.match(account, /Linked as linus-gh/);
        assert.match(account, /href="\/auth\/oauth\/oidc\/signin\?link=1"/);
        const identities = await listIdentities(server.ctx.kv, linus.user.id);
        assert.deepEqual(identities.map((i) => [i.provider, i.subject, i.username]), [
          ["github", "777", "linus-gh"],
        ]);
        const fresh = new Jar();
        await signInVia(fresh, "/auth/oauth/github/signin");
        assert.equal((await whoIs(fresh))?.id, linus.user.id);
      });

      await t.step("another account cannot take an identity that is linked already", async () => {
        const mallory = await registerUser(server, { username: "mallory" });
        const jar = new Jar();
        const [name, value] = mallory.cookie.split("=");
        jar.cookies.set(name, value);
        await provider.control({ identity: { sub: "777", login: "linus-gh" } });
        const { res } = await jar.follow(`${app}/auth/oauth/github/signin?link=1`);
        await assertRefused(res, 409, "identity_taken");
        assert.deepEqual(await listIdentities(server.ctx.kv, mallory.user.id), []);
        const fresh = new Jar();
        await signInVia(fresh, "/auth/oauth/github/signin");
        assert.equal((await whoIs(fresh))?.id, linus.user.id);
      });

      await t.step("linking while signed out asks to sign in first", async () => {
        const res = await new Jar().get(`${app}/auth/oauth/github/signin?link=1`);
        assert.equal(res.status, 303);
        assert.equal(
          res.headers.get("location"),
          `/login?next=${encodeURIComponent("/auth/oauth/github/signin?link=1")}`,
        );
      });

      await t.step("an unknown provider is a 404", async () => {
        for (
          const path of ["/auth/oauth/facebook/signin", "/auth/oauth/facebook/callback?state=x"]
        ) {
          const res = await new Jar().get(`${app}${path}`);
          assert.equal(res.status, 404);
          await res.body?.cancel();
        }
      });

      await t.step("/login and /register show a button per configured provider", async () => {
        for (const path of ["/login", "/register?next=/projects"]) {
          const html = await (await new Jar().get(`${app}${path}`)).text();
          assert.match(html, /Continue with Acme SSO/);
          assert.match(html, /Continue with GitHub/);
        }
        const html = await (await new Jar().get(`${app}/login?next=/projects`)).text();
        assert.match(html, /href="\/auth\/oauth\/oidc\/signin\?next=%2Fprojects"/);
      });

      await t.step("in Chromium, the SSO button on /login ends signed in", async () => {
        await provider.control({
          identity: { sub: "oidc-chromium", preferred_username: "chromie", name: "Chromie" },
        });
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(e.message));
          await page.goto(`${app}/login`);
          await page.locator("[data-island=AuthForm][data-hydrated]").waitFor();
          await page.getByRole("link", { name: "Continue with Acme SSO" }).click();
          await page.waitForURL(`${app}/`);
          await page.getByText("Welcome, Chromie").waitFor();
          const check = await (await page.request.get(`${app}/api/auth/check`)).json();
          assert.equal(check.user?.username, "chromie");
          assert.deepEqual(errors, []);
        } finally {
          await browser.close();
        }
      });
    } finally {
      await server.close();
      await provider.close();
    }
  },
});

Deno.test({
  name: "without provider settings there are no OAuth buttons and the routes are 404",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startTestServer();
    try {
      for (
        const path of [
          "/auth/oauth/github/signin",
          "/auth/oauth/oidc/signin",
          "/auth/oauth/oidc/callback?state=x",
        ]
      ) {
        const res = await server.fetch(path, { redirect: "manual" });
        assert.equal(res.status, 404, path);
        await res.body?.cancel();
      }
      for (const path of ["/login", "/register"]) {
        const html = await (await server.fetch(path)).text();
        assert.doesNotMatch(html, /Continue with|oauth-buttons/);
      }
    } finally {
      await server.close();
    }
  },
});
