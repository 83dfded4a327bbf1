import assert from "node:assert/strict";
import type { FileMeta } from "../../lib/files/mod.ts";
import type { Project } from "../../lib/projects/mod.ts";
import {
  assertError,
  json,
  okJson,
  ORIGIN,
  type Person,
  registerUser,
  type TestApp,
  uploadInit,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import {
  countKeys,
  parseDisposition,
  PNG,
  randomBytes as anyRandomBytes,
  sha256Hex,
} from "../support/util.ts";

const BOUNDARY = "----chat-test-7d3f0a9c";
const encoder = new TextEncoder();

/** A project owned by a new user, with more new people added in the given roles. */
async function projectWithPeople(app: TestApp, roles: ("admin" | "member")[] = []) {
  const people: Person[] = await Promise.all(
    Array.from({ length: roles.length + 1 }, () => registerUser(app)),
  );
  const [owner, ...others] = people;
  const res = await app.fetch("/api/projects", json("POST", { name: "Files" }, owner.cookie));
  assert.equal(res.status, 201);
  const { project }: { project: Project } = await res.json();
  for (const [i, who] of others.entries()) {
    const added = await app.fetch(
      `/api/projects/${project.id}/members`,
      json("POST", { username: who.user.username, role: roles[i] }, owner.cookie),
    );
    assert.equal(added.status, 201);
  }
  return { project, owner, others };
}

/** `n` random bytes behind a prefix no file-type signature starts with. */
function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const bytes = anyRandomBytes(n);
  bytes.set([0x00, 0x00, 0x00, 0x00, 0xff, 0x00].slice(0, n));
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The head of a hand-written multipart body up to the file's bytes: `filenameParam` goes
 * into the part's Content-Disposition exactly as given (FormData would escape it).
 */
function multipartHead(filenameParam: string, partType = "application/octet-stream") {
  return encoder.encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; ${filenameParam}\r\n` +
      `Content-Type: ${partType}\r\n\r\n`,
  );
}
const multipartTail = encoder.encode(`\r\n--${BOUNDARY}--\r\n`);

function uploadHeaders(cookie: string, extra: Record<string, string> = {}) {
  return {
    origin: ORIGIN,
    cookie,
    "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
    ...extra,
  };
}

/** Uploads `bytes` with a hand-written multipart body. */
function uploadRaw(
  app: TestApp,
  who: Person,
  projectId: string,
  options: { filenameParam: string; bytes: Uint8Array; partType?: string },
) {
  return app.fetch(`/api/projects/${projectId}/files`, {
    method: "POST",
    headers: uploadHeaders(who.cookie),
    body: concat(
      multipartHead(options.filenameParam, options.partType),
      options.bytes,
      multipartTail,
    ),
  });
}

/** Uploads `bytes` as a browser would, through FormData. */
function upload(
  app: TestApp,
  who: Person,
  projectId: string,
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  type = "application/octet-stream",
) {
  return app.fetch(`/api/projects/${projectId}/files`, uploadInit(name, bytes, who.cookie, type));
}

async function uploadOk(
  app: TestApp,
  who: Person,
  projectId: string,
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  type?: string,
): Promise<FileMeta> {
  return (await okJson(await upload(app, who, projectId, name, bytes, type), 201)).file;
}

async function listFiles(app: TestApp, who: Person, projectId: string): Promise<FileMeta[]> {
  const res = await app.fetch(`/api/projects/${projectId}/files`, withCookie(who.cookie));
  return (await okJson(res)).files;
}

function download(
  app: TestApp,
  who: Person,
  file: Pick<FileMeta, "id" | "projectId">,
  headers: Record<string, string> = {},
  query = "",
) {
  return app.fetch(`/api/projects/${file.projectId}/files/${file.id}${query}`, {
    headers: { cookie: who.cookie, ...headers },
  });
}

/** A request body that yields `bytes` in pieces of `size`, one per pull. */
function inPieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

async function bytesOf(res: Response): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await res.arrayBuffer());
}

/** Nothing of a failed upload is visible or left in the store. */
async function assertNoUploadLeft(app: TestApp, who: Person, projectId: string, listed = 0) {
  assert.equal((await listFiles(app, who, projectId)).length, listed, "nothing more listed");
  assert.equal(await countKeys(app.ctx.kv, ["file_upload"]), 0, "no upload marker left");
  if (listed === 0) assert.equal(await countKeys(app.ctx.kv, ["file_chunk"]), 0, "no chunks left");
}

Deno.test("POST /api/projects/:id/files stores an upload and answers 201 with its metadata", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const bytes = randomBytes(200_000);
    const res = await upload(app, owner, project.id, "data.bin", bytes);
    const { file } = await okJson(res, 201);
    assert.match(file.id, /^[0-9A-Z]{26}$/);
    assert.equal(file.projectId, project.id);
    assert.equal(file.name, "data.bin");
    assert.equal(file.size, 200_000);
    assert.equal(file.sha256, await sha256Hex(bytes));
    assert.equal(file.contentType, "application/octet-stream");
    assert.deepEqual(file.uploadedBy, owner.user);
    assert.ok(!Number.isNaN(Date.parse(file.createdAt)));

    const files = await listFiles(app, owner, project.id);
    assert.deepEqual(files, [file]);
  });
});

Deno.test("an upload's type comes from its bytes, never from the client", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const cases: [string, Uint8Array<ArrayBuffer>, string, string][] = [
      ["a PNG sent as text/html", PNG, "text/html", "image/png"],
      [
        "random bytes sent as image/png",
        randomBytes(5000),
        "image/png",
        "application/octet-stream",
      ],
      [
        "HTML sent as text/html",
        encoder.encode("<!doctype html><script>alert(1)</script>"),
        "text/html",
        "text/plain; charset=utf-8",
      ],
    ];
    for (const [label, bytes, partType, expected] of cases) {
      const res = await uploadRaw(app, owner, project.id, {
        filenameParam: `filename="x.html"`,
        bytes,
        partType,
      });
      const { file } = await okJson(res, 201);
      assert.equal(file.contentType, expected, label);
      const got = await download(app, owner, file);
      assert.equal(got.headers.get("content-type"), expected, label);
      await got.body?.cancel();
    }
  });
});

Deno.test("GET /api/projects/:id/files/:fileId streams the bytes with safe headers", async () => {
  await withApp(async (app) => {
    const { project, owner, others: [bob] } = await projectWithPeople(app, ["member"]);
    const bytes = randomBytes(2 * 1024 * 1024 + 3);
    const file = await uploadOk(app, owner, project.id, "big.bin", bytes);

    const res = await download(app, bob, file);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(res.headers.get("content-length"), String(bytes.length));
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("etag"), `"${file.sha256}"`);
    assert.equal(res.headers.get("accept-ranges"), "bytes");
    assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/);
    const disposition = parseDisposition(res.headers.get("content-disposition"));
    assert.equal(disposition.kind, "attachment");
    assert.equal(disposition.name, "big.bin");
    const body = await bytesOf(res);
    assert.equal(body.length, bytes.length);
    assert.equal(await sha256Hex(body), file.sha256);
    assert.deepEqual(body, bytes);
  });
});

Deno.test("an empty file uploads and downloads as 0 bytes", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const file = await uploadOk(app, owner, project.id, "empty.txt", new Uint8Array(0));
    assert.equal(file.size, 0);
    assert.equal(file.sha256, await sha256Hex(new Uint8Array(0)));
    const res = await download(app, owner, file);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), "0");
    assert.equal((await bytesOf(res)).length, 0);
    const ranged = await download(app, owner, file, { range: "bytes=0-0" });
    assert.equal(ranged.status, 416);
    assert.equal(ranged.headers.get("content-range"), "bytes */0");
  });
});

Deno.test("a download answers If-None-Match with 304 when the ETag matches", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const file = await uploadOk(app, owner, project.id, "a.bin", randomBytes(1000));
    const etag = `"${file.sha256}"`;
    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, "*"]) {
      const res = await download(app, owner, file, { "if-none-match": header });
      assert.equal(res.status, 304, header);
      assert.equal(res.headers.get("etag"), etag);
      assert.equal(await res.text(), "");
    }
    const stale = await download(app, owner, file, { "if-none-match": '"other"' });
    assert.equal(stale.status, 200);
    assert.equal((await bytesOf(stale)).length, 1000);
  });
});

Deno.test("a download answers Range with 206 and exactly those bytes", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const bytes = randomBytes(3 * 65536 + 10);
    const file = await uploadOk(app, owner, project.id, "a.bin", bytes);
    const cases: [string, number, number][] = [
      ["bytes=10-19", 10, 19],
      ["bytes=65530-65545", 65530, 65545],
      ["bytes=-5", bytes.length - 5, bytes.length - 1],
      ["bytes=196600-", 196600, bytes.length - 1],
    ];
    for (const [header, start, end] of cases) {
      const res = await download(app, owner, file, { range: header });
      assert.equal(res.status, 206, header);
      assert.equal(res.headers.get("content-type"), "application/octet-stream");
      assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/${bytes.length}`);
      assert.equal(res.headers.get("content-length"), String(end - start + 1));
      assert.deepEqual(await bytesOf(res), bytes.slice(start, end + 1), header);
    }
  });
});

Deno.test("a download answers a Range past the end with 416 and the size", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const file = await uploadOk(app, owner, project.id, "a.bin", randomBytes(100));
    const res = await download(app, owner, file, { range: "bytes=100-200" });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get("content-range"), "bytes */100");
    assert.equal(await res.text(), "");
  });
});

Deno.test("a download ignores Range when If-Range names another version", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const file = await uploadOk(app, owner, project.id, "a.bin", randomBytes(100));
    const stale = await download(app, owner, file, { range: "bytes=0-9", "if-range": '"old"' });
    assert.equal(stale.status, 200);
    assert.equal((await bytesOf(stale)).length, 100);
    const fresh = await download(app, owner, file, {
      range: "bytes=0-9",
      "if-range": `"${file.sha256}"`,
    });
    assert.equal(fresh.status, 206);
    assert.equal((await bytesOf(fresh)).length, 10);
  });
});

Deno.test("?inline=1 shows a PNG inline but keeps every other type an attachment", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const png = await uploadOk(app, owner, project.id, "dot.png", PNG, "image/png");
    const svg = await uploadOk(
      app,
      owner,
      project.id,
      "evil.svg",
      encoder.encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      "image/svg+xml",
    );
    const bin = await uploadOk(app, owner, project.id, "a.bin", randomBytes(100));

    const shown = await download(app, owner, png, {}, "?inline=1");
    assert.equal(shown.status, 200);
    assert.equal(shown.headers.get("content-type"), "image/png");
    assert.equal(parseDisposition(shown.headers.get("content-disposition")).kind, "inline");
    assert.deepEqual(await bytesOf(shown), PNG);

    const plain = await download(app, owner, png);
    assert.equal(parseDisposition(plain.headers.get("content-disposition")).kind, "attachment");
    await plain.body?.cancel();

    for (const file of [svg, bin]) {
      const res = await download(app, owner, file, {}, "?inline=1");
      assert.equal(res.status, 200);
      assert.notEqual(res.headers.get("content-type"), "image/svg+xml");
      assert.equal(
        parseDisposition(res.headers.get("content-disposition")).kind,
        "attachment",
        file.name,
      );
      await res.body?.cancel();
    }
  });
});

Deno.test("an upload over MAX_UPLOAD_BYTES answers 413 file_too_large and leaves nothing", async (t) => {
  // A limit above ten chunks, so chunks are committed before the limit is hit.
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);

    await t.step("exactly the limit is accepted", async () => {
      const file = await uploadOk(app, owner, project.id, "fits.bin", randomBytes(1_000_000));
      assert.equal(file.size, 1_000_000);
    });

    await t.step("one byte more, found while streaming, is refused", async () => {
      // Sent in 16 KiB pieces, as a network delivers it, so chunks are stored before the limit.
      const res = await app.fetch(`/api/projects/${project.id}/files`, {
        method: "POST",
        headers: uploadHeaders(owner.cookie),
        body: inPieces(
          concat(multipartHead('filename="big.bin"'), randomBytes(1_000_001), multipartTail),
          16 * 1024,
        ),
      });
      const error = await assertError(res, 413, "file_too_large");
      assert.match(error.message, /exceeds/);
      assert.equal(await countKeys(app.ctx.kv, ["file_chunk"]), Math.ceil(1_000_000 / 65536));
      await assertNoUploadLeft(app, owner, project.id, 1);
    });

    await t.step(
      "a declared Content-Length far over the limit is refused before reading",
      async () => {
        const res = await app.fetch(`/api/projects/${project.id}/files`, {
          method: "POST",
          headers: uploadHeaders(owner.cookie, { "content-length": "5000000" }),
          body: concat(multipartHead('filename="x.bin"'), randomBytes(5_000_000 - 200)),
        });
        await assertError(res, 413, "file_too_large");
        await assertNoUploadLeft(app, owner, project.id, 1);
      },
    );
  }, { MAX_UPLOAD_BYTES: "1000000" });
});

Deno.test("an upload over MAX_UPLOAD_BYTES=100000 lists nothing", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    await assertError(
      await upload(app, owner, project.id, "big.bin", randomBytes(150_000)),
      413,
      "file_too_large",
    );
    await assertNoUploadLeft(app, owner, project.id);
  }, { MAX_UPLOAD_BYTES: "100000" });
});

Deno.test("an upload whose request body fails mid-stream leaves no file, chunks or marker", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const piece = randomBytes(64 * 1024);
    let sent = 0;
    let chunksBeforeFailure = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 0) controller.enqueue(multipartHead('filename="doomed.bin"'));
        if (sent < 1024 * 1024) {
          controller.enqueue(piece.slice());
          sent += piece.length;
          return;
        }
        // Wait (bounded) until some chunks are committed, so the cleanup has work to do.
        const deadline = Date.now() + 3000;
        while (chunksBeforeFailure === 0 && Date.now() < deadline) {
          chunksBeforeFailure = await countKeys(app.ctx.kv, ["file_chunk"]);
          if (chunksBeforeFailure === 0) await new Promise((r) => setTimeout(r, 5));
        }
        controller.error(new Error("connection reset by peer"));
      },
    });
    const res = await app.fetch(`/api/projects/${project.id}/files`, {
      method: "POST",
      headers: uploadHeaders(owner.cookie),
      body,
    });
    assert.ok(chunksBeforeFailure > 0, "chunks were committed before the failure");
    await assertError(res, 400, "upload_interrupted");
    await assertNoUploadLeft(app, owner, project.id);
  });
});

Deno.test("an upload whose multipart body ends before its closing boundary leaves nothing", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const res = await app.fetch(`/api/projects/${project.id}/files`, {
      method: "POST",
      headers: uploadHeaders(owner.cookie),
      body: concat(multipartHead('filename="cut.bin"'), randomBytes(1024 * 1024)),
    });
    await assertError(res, 400, "bad_multipart");
    await assertNoUploadLeft(app, owner, project.id);
  });
});

Deno.test("an upload whose body fails before the file starts answers 400", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(new Error("connection reset by peer"));
      },
    });
    const res = await app.fetch(`/api/projects/${project.id}/files`, {
      method: "POST",
      headers: uploadHeaders(owner.cookie),
      body,
    });
    await assertError(res, 400, "upload_interrupted");
    await assertNoUploadLeft(app, owner, project.id);
  });
});

Deno.test("an upload without a file or not as multipart is refused", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const noFile = new FormData();
    noFile.append("note", "no file here");
    const error = await assertError(
      await app.fetch(`/api/projects/${project.id}/files`, {
        method: "POST",
        headers: { origin: ORIGIN, cookie: owner.cookie },
        body: noFile,
      }),
      400,
      "invalid_input",
    );
    assert.ok(error.fields?.file);
    await assertError(
      await app.fetch(
        `/api/projects/${project.id}/files`,
        json("POST", { file: "x" }, owner.cookie),
      ),
      415,
      "unsupported_media_type",
    );
    await assertNoUploadLeft(app, owner, project.id);
  });
});

const HOSTILE_NAMES: [string, string, string][] = [
  // A name keeps its last segment only (as Werkzeug's secure_filename did).
  ["a path", 'filename="../../etc/passwd"', "passwd"],
  ["a Windows path", 'filename="..\\\\..\\\\boot.ini"', "boot.ini"],
  ["a bidi override", 'filename="invoice\u202Efdp.exe"', "invoicefdp.exe"],
  ["quotes escaped with backslashes", 'filename="say \\"hi\\".txt"', 'say "hi".txt'],
  ["quotes escaped as a browser does", 'filename="say %22hi%22.txt"', 'say "hi".txt'],
  [
    "a header injection attempt",
    'filename="a.txt%22; filename=%22evil.html"',
    'a.txt"; filename="evil.html',
  ],
  [
    "CRLF escaped as a browser does",
    'filename="line%0D%0ASet-Cookie: x=1.txt"',
    "line Set-Cookie: x=1.txt",
  ],
  ["a very long name", `filename="${"a".repeat(300)}.txt"`, `${"a".repeat(251)}.txt`],
  ["raw UTF-8", 'filename="résumé 📄.pdf"', "résumé 📄.pdf"],
  ["RFC 5987 UTF-8", "filename*=UTF-8''r%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf", "résumé 📄.pdf"],
  ["markup", 'filename="<img src=x onerror=alert(1)>.html"', "<img src=x onerror=alert(1)>.html"],
];

Deno.test("hostile file names round-trip through the list and the download headers safely", async (t) => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    for (const [label, filenameParam, expected] of HOSTILE_NAMES) {
      await t.step(label, async () => {
        const bytes = randomBytes(100);
        const res = await uploadRaw(app, owner, project.id, { filenameParam, bytes });
        const { file } = await okJson(res, 201);
        assert.equal(file.name, expected);
        assert.ok([...file.name].length <= 255);
        const listed = (await listFiles(app, owner, project.id)).find((f) => f.id === file.id);
        assert.equal(listed?.name, expected);

        const got = await download(app, owner, file);
        assert.equal(got.status, 200);
        const header = got.headers.get("content-disposition") ?? "";
        assert.match(header, /^[\x20-\x7e]+$/, "printable ASCII only: no CR, LF or raw UTF-8");
        const disposition = parseDisposition(header);
        assert.equal(disposition.kind, "attachment");
        assert.equal(disposition.name, expected, "filename* is the exact name");
        assert.doesNotMatch(disposition.fallback, /["\\]/);
        assert.equal(got.headers.get("set-cookie"), null);
        assert.deepEqual(await bytesOf(got), bytes);
      });
    }
  });
});

Deno.test("a filename* with a raw line break is refused and stores nothing", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const res = await uploadRaw(app, owner, project.id, {
      filenameParam: "filename*=UTF-8''a%0D%0Ab.txt",
      bytes: randomBytes(10),
    });
    await assertError(res, 400, "invalid_input");
    await assertNoUploadLeft(app, owner, project.id);
  });
});

Deno.test("DELETE /api/projects/:id/files/:fileId is for the uploader, owners and admins", async (t) => {
  await withApp(async (app) => {
    const { project, owner, others: [admin, uploader, other] } = await projectWithPeople(app, [
      "admin",
      "member",
      "member",
    ]);
    const del = (who: Person, file: FileMeta) =>
      app.fetch(
        `/api/projects/${project.id}/files/${file.id}`,
        json("DELETE", undefined, who.cookie),
      );

    await t.step("another plain member gets 403 and the file stays", async () => {
      const file = await uploadOk(app, uploader, project.id, "mine.txt", randomBytes(100));
      await assertError(await del(other, file), 403, "forbidden");
      assert.equal((await download(app, other, file)).status, 200);
      assert.equal(await countKeys(app.ctx.kv, ["file_chunk", file.id]), 1);
      assert.equal((await del(uploader, file)).status, 204);
    });

    await t.step("the uploader deletes it: 204, then 404 for download and delete", async () => {
      const file = await uploadOk(app, uploader, project.id, "mine.txt", randomBytes(100));
      const res = await del(uploader, file);
      assert.equal(res.status, 204);
      assert.equal(await res.text(), "");
      await assertError(await download(app, uploader, file), 404, "not_found");
      await assertError(await del(uploader, file), 404, "not_found");
      assert.equal(await countKeys(app.ctx.kv, ["file_chunk", file.id]), 0, "its chunks are freed");
    });

    await t.step("an admin deletes someone else's file", async () => {
      const file = await uploadOk(app, uploader, project.id, "mine.txt", randomBytes(100));
      assert.equal((await del(admin, file)).status, 204);
    });

    await t.step("the owner deletes someone else's file", async () => {
      const file = await uploadOk(app, uploader, project.id, "mine.txt", randomBytes(100));
      assert.equal((await del(owner, file)).status, 204);
    });

    await t.step("the no-JavaScript form deletes and redirects back", async () => {
      const file = await uploadOk(app, uploader, project.id, "mine.txt", randomBytes(100));
      const res = await app.fetch(`/api/projects/${project.id}/files/${file.id}/delete`, {
        method: "POST",
        headers: {
          origin: ORIGIN,
          cookie: uploader.cookie,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "",
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/projects/${project.id}`);
    });

    await t.step("nothing is left", async () => {
      await assertNoUploadLeft(app, owner, project.id);
    });
  });
});

Deno.test("an upload past PROJECT_QUOTA_BYTES answers 413 quota_exceeded", async () => {
  await withApp(async (app) => {
    const { project, owner } = await projectWithPeople(app);
    const first = await uploadOk(app, owner, project.id, "first.bin", randomBytes(600));
    const error = await assertError(
      await upload(app, owner, project.id, "second.bin", randomBytes(600)),
      413,
      "quota_exceeded",
    );
    assert.match(error.message, /storage/);
    assert.deepEqual((await listFiles(app, owner, project.id)).map((f) => f.id), [first.id]);
    assert.equal(await countKeys(app.ctx.kv, ["file_chunk"]), 1);
    assert.equal(await countKeys(app.ctx.kv, ["file_upload"]), 0);

    const res = await app.fetch(
      `/api/projects/${project.id}/files/${first.id}`,
      json("DELETE", undefined, owner.cookie),
    );
    assert.equal(res.status, 204);
    await uploadOk(app, owner, project.id, "second.bin", randomBytes(600));
  }, { PROJECT_QUOTA_BYTES: "1000" });
});

Deno.test("a file id from another project answers 404", async () => {
  await withApp(async (app) => {
    const a = await projectWithPeople(app);
    const res = await app.fetch("/api/projects", json("POST", { name: "Other" }, a.owner.cookie));
    const { project: other } = await okJson(res, 201);
    const file = await uploadOk(app, a.owner, a.project.id, "a.bin", randomBytes(10));
    await assertError(
      await download(app, a.owner, { id: file.id, projectId: other.id }),
      404,
      "not_found",
    );
    await assertError(
      await app.fetch(
        `/api/projects/${other.id}/files/${file.id}`,
        json("DELETE", undefined, a.owner.cookie),
      ),
      404,
      "not_found",
    );
    await assertError(
      await download(app, a.owner, { id: "../../etc", projectId: a.project.id }),
      404,
      "not_found",
    );
  });
});
