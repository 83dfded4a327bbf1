import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  json,
  registerUser,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { EARLY_SOCKET_CSP, EARLY_SOCKET_SCRIPT } from "../../routes/_early_socket.ts";

/** Asserts an HTML page with this status and returns its markup. */
async function html(res: Response, status = 200): Promise<string> {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}`);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const text = await res.text();
  assert.match(text, /^<!DOCTYPE html><html lang="en"/);
  return text;
}

/** Asserts a form control labelled `label` (by <label for>) and returns the control's tag. */
function labelledControl(page: string, label: string): string {
  const labelMatch = page.match(new RegExp(`<label for="([^"]+)"[^>]*>${label}</label>`));
  assert.ok(labelMatch, `a label "${label}"`);
  const control = page.match(
    new RegExp(`<(input|textarea|select)[^>]*\\sid="${labelMatch[1]}"[^>]*>`),
  );
  assert.ok(control, `a control with the id the "${label}" label points at`);
  return control[0];
}

function submitButton(page: string, text: string) {
  assert.match(
    page,
    new RegExp(`<button type="submit"[^>]*>${text}</button>`),
    `a "${text}" button`,
  );
}

Deno.test("GET / redirects a signed-out visitor to /login with 303", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/");
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login");
    const deep = await app.fetch("/conversations/01HZZZZZZZZZZZZZZZZZZZZZZZ");
    assert.equal(deep.status, 303);
    assert.equal(
      deep.headers.get("location"),
      "/login?next=%2Fconversations%2F01HZZZZZZZZZZZZZZZZZZZZZZZ",
    );
    const stale = await app.fetch("/", withCookie("sid=expired-or-forged"));
    assert.equal(stale.status, 303);
  });
});

Deno.test("GET /login renders a sign-in form with labelled Username and Password and a Sign in button", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/login");
    const page = await html(res);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.match(page, /<title>Sign in · Hearth<\/title>/);
    assert.match(page, /<form method="post" action="\/api\/auth\/login"/);
    assert.match(labelledControl(page, "Username"), /name="username"/);
    assert.match(labelledControl(page, "Password"), /type="password"/);
    assert.doesNotMatch(page, />Display name</, "no display name when signing in");
    submitButton(page, "Sign in");
    assert.match(page, /href="\/register"/);
  });
});

Deno.test("GET /register renders a form with Username, Display name and Password and a Create account button", async () => {
  await withApp(async (app) => {
    const page = await html(await app.fetch("/register"));
    assert.match(page, /<form method="post" action="\/api\/auth\/register"/);
    assert.match(labelledControl(page, "Username"), /name="username"/);
    assert.match(labelledControl(page, "Display name"), /name="displayName"/);
    assert.match(labelledControl(page, "Password"), /autocomplete="new-password"/);
    submitButton(page, "Create account");
  });
});

Deno.test("GET /login keeps a same-site next address and drops another site's", async () => {
  await withApp(async (app) => {
    const page = await html(await app.fetch("/login?next=%2Fconversations%2Fabc"));
    assert.match(page, /<input type="hidden" name="next" value="\/conversations\/abc"/);
    const offsite = await html(await app.fetch("/login?next=%2F%2Fevil.example"));
    assert.match(offsite, /<input type="hidden" name="next" value(="")?\/>/, "an empty next");
    assert.doesNotMatch(offsite, /evil\.example/);
  });
});

Deno.test("GET /login and /register redirect a signed-in user to /", async () => {
  await withApp(async (app) => {
    const { cookie } = await registerUser(app);
    for (const path of ["/login", "/register"]) {
      const res = await app.fetch(path, withCookie(cookie));
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), "/");
    }
  });
});

Deno.test("GET / signed in renders the chat shell with New conversation and Sign out", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await Promise.all([
      registerUser(app, { displayName: "Ann <b>Adams</b>" }),
      registerUser(app, { displayName: "Ben Brown" }),
    ]);
    await createConversationVia(app, ann.cookie, [ben.user]);
    const page = await html(await app.fetch("/", withCookie(ann.cookie)));
    assert.match(page, /<a href="\/new"[^>]*>New conversation<\/a>/);
    assert.match(page, /<form method="post" action="\/api\/auth\/logout">/);
    submitButton(page, "Sign out");
    assert.match(page, /Welcome, Ann &lt;b>Adams&lt;\/b>/, "the name is text, escaped");
    assert.doesNotMatch(page, /<b>Adams<\/b>/);
    assert.match(page, /data-island="ConversationList"/);
    assert.match(page, /Ben Brown/, "the conversation list is rendered on the server");
  });
});

Deno.test("GET /new renders the no-JavaScript form for a new conversation", async () => {
  await withApp(async (app) => {
    const { cookie } = await registerUser(app);
    const page = await html(await app.fetch("/new", withCookie(cookie)));
    assert.match(page, /<form method="post" action="\/api\/conversations"/);
    assert.match(labelledControl(page, "Usernames"), /name="usernames"/);
    submitButton(page, "Start conversation");
  });
});

Deno.test("GET /conversations/:id renders the last 50 messages on the server, HTML-escaped", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await Promise.all([
      registerUser(app, { displayName: "Ann" }),
      registerUser(app, { displayName: "Ben" }),
    ]);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const send = async (content: string) => {
      const res = await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content }, ann.cookie),
      );
      assert.equal(res.status, 201);
    };
    for (let i = 1; i <= 51; i++) await send(`note-${String(i).padStart(3, "0")}`);
    await send("<script>alert(1)</script>");

    const page = await html(await app.fetch(`/conversations/${id}`, withCookie(ben.cookie)));
    assert.match(page, /<p>&lt;script>alert\(1\)&lt;\/script><\/p>/);
    assert.ok(!page.includes("<script>alert(1)"), "never raw");
    assert.deepEqual(
      page.match(/<script[^>]*>/g),
      [
        `<script>`,
        '<script type="module" src="/static/sw_register.js">',
        '<script type="module" src="/static/theme.js">',
        page.match(/<script type="module" src="\/assets[^>]*>/)?.[0],
      ],
      "the layout's three scripts (files) and the early socket's inline script, allowed by its hash",
    );
    assert.ok(
      page.includes(`<script>${EARLY_SOCKET_SCRIPT}</script>`),
      "the one inline script is the constant one",
    );
    assert.match(page, />note-003</);
    assert.match(page, />note-051</);
    assert.doesNotMatch(page, /note-001|note-002/, "older messages wait for paging");
    assert.match(page, /data-island="ChatRoom"/);

    const list = await (await app.fetch("/api/conversations", withCookie(ben.cookie))).json();
    assert.equal(list.conversations[0].unreadCount, 0, "viewing the page marks it read");
  });
});

Deno.test("GET /conversations/:id answers the 404 page to a non-participant", async () => {
  await withApp(async (app) => {
    const [ann, ben, eve] = await Promise.all([
      registerUser(app),
      registerUser(app),
      registerUser(app),
    ]);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    await app.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "secret plan" }, ann.cookie),
    );

    for (const path of [`/conversations/${id}`, "/conversations/01HZZZZZZZZZZZZZZZZZZZZZZZ"]) {
      const page = await html(await app.fetch(path, withCookie(eve.cookie)), 404);
      assert.match(page, /<h1[^>]*>Not found<\/h1>/);
      assert.doesNotMatch(page, /secret plan/);
    }
  });
});

Deno.test("an unknown page answers the 404 page", async () => {
  await withApp(async (app) => {
    const page = await html(await app.fetch("/no/such/page"), 404);
    assert.match(page, /<h1[^>]*>Not found<\/h1>/);
  });
});

Deno.test("pages and API answers carry the security headers", async () => {
  await withApp(async (app) => {
    for (const path of ["/login", "/api/auth/check", "/api/nothing-here", "/no/such/page"]) {
      const res = await app.fetch(path);
      await res.body?.cancel();
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.ok(
        csp.includes(`script-src 'self' ${EARLY_SOCKET_CSP};`),
        `${path}: no inline script but the early socket's, by its hash`,
      );
      assert.ok(!/unsafe-inline/.test(csp), path);
      assert.match(csp, /object-src 'none'/, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.equal(res.headers.get("referrer-policy"), "same-origin", path);
      assert.match(
        res.headers.get("x-request-id") ?? "",
        /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/,
        path,
      );
      assert.equal(res.headers.get("strict-transport-security"), null, `${path}: plain http`);
    }
    const https = await app.fetch("/login", { headers: { "x-forwarded-proto": "https" } });
    await https.body?.cancel();
    assert.match(https.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
  });
});

Deno.test("an unknown /api path answers 404 with the JSON error shape", async () => {
  await withApp(async (app) => {
    await assertError(await app.fetch("/api/nothing-here"), 404, "not_found");
    await assertError(await app.fetch("/api/conversations/x/y/z"), 404, "not_found");
  });
});

Deno.test("GET /api/ws without an upgrade header answers 426 upgrade_required", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/api/ws");
    await assertError(res, 426, "upgrade_required");
  });
});

Deno.test("the stylesheet and island bundles a page links to are served as immutable assets", async () => {
  await withApp(async (app) => {
    const page = await html(await app.fetch("/login"));
    const css = page.match(/<link rel="stylesheet" href="(\/assets\/[0-9a-f]+\/styles\.css)"/)?.[1];
    const js = page.match(/<script type="module" src="(\/assets\/[0-9a-f]+\/boot\.js)"/)?.[1];
    assert.ok(css && js, "the page links a stylesheet and the boot script");
    for (const [path, type] of [[css, /^text\/css/], [js, /javascript/]] as const) {
      const res = await app.fetch(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", type);
      assert.match(res.headers.get("cache-control") ?? "", /immutable/);
      assert.ok((await res.text()).length > 0);
    }
  });
});

Deno.test("a failing form post without JavaScript goes back to its page, which explains the error", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const page = `${"http://localhost"}/conversations/${id}`;
    const res = await app.fetch(`/api/conversations/${id}/messages`, {
      method: "POST",
      headers: {
        cookie: ann.cookie,
        origin: "http://localhost",
        referer: page,
        accept: "text/html,application/xhtml+xml",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "content=%20%20",
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), `/conversations/${id}?error=invalid_input`);
    const shown = await html(await app.fetch(res.headers.get("location")!, withCookie(ann.cookie)));
    assert.match(
      shown,
      /role="alert"[^>]*>That did not work: some of what you entered is not valid/,
    );
    // Only known codes are shown; a crafted one says nothing.
    const crafted = await html(
      await app.fetch(`/conversations/${id}?error=Call+us+now`, withCookie(ann.cookie)),
    );
    assert.doesNotMatch(crafted, /role="alert"[^>]*class="fixed/);
  });
});

Deno.test("a known path with the wrong method answers 405 with Allow", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/api/projects", {
      method: "PUT",
      headers: { origin: "http://localhost" },
    });
    assert.equal(res.status, 405);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(res.headers.get("allow"), "GET, POST");
    assert.equal((await res.json()).error.code, "method_not_allowed");
    const files = await app.fetch("/api/projects/abc/files/def", {
      method: "PATCH",
      headers: { origin: "http://localhost" },
    });
    assert.equal(files.status, 405);
    assert.equal(files.headers.get("allow"), "GET, DELETE");
    assert.equal((await app.fetch("/api/nothing-here")).status, 404);
  });
});
