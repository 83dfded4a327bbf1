import assert from "node:assert/strict";
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  timingSafeEqual,
  verifyAgainstDummy,
  verifyPassword,
} from "./passwords.ts";

function decodedLength(base64: string): number {
  return atob(base64).length;
}

Deno.test("hashPassword() stores its algorithm, iterations, salt and hash beside each other", async () => {
  const stored = await hashPassword("correct horse battery");
  assert.equal(stored.alg, "pbkdf2-sha256");
  assert.equal(stored.iterations, PBKDF2_ITERATIONS);
  assert.ok(PBKDF2_ITERATIONS >= 600_000, "OWASP's minimum for PBKDF2-HMAC-SHA256");
  assert.equal(decodedLength(stored.salt), 16);
  assert.equal(decodedLength(stored.hash), 32);
  assert.ok(!JSON.stringify(stored).includes("correct horse battery"));
});

Deno.test("verifyPassword() accepts the right password and refuses a wrong one", async () => {
  const stored = await hashPassword("correct horse battery");
  assert.equal(await verifyPassword("correct horse battery", stored), true);
  assert.equal(await verifyPassword("correct horse batterY", stored), false);
  assert.equal(await verifyPassword("", stored), false);
});

Deno.test("hashPassword() salts: the same password hashes differently twice", async () => {
  const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
  assert.notEqual(a.salt, b.salt);
  assert.notEqual(a.hash, b.hash);
  assert.equal(await verifyPassword("same password", b), true);
});

Deno.test("verifyPassword() uses the stored iteration count, so old hashes keep working", async () => {
  const current = await hashPassword("a password");
  const older = { ...current, iterations: 1000 };
  assert.equal(await verifyPassword("a password", older), false, "a different derivation");
  // A hash made with fewer iterations verifies with those iterations.
  const salt = Uint8Array.from(atob(current.salt), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("a password"),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: 1000 },
    key,
    256,
  );
  const hash = btoa(String.fromCharCode(...new Uint8Array(bits)));
  assert.equal(await verifyPassword("a password", { ...older, hash }), true);
});

Deno.test("verifyAgainstDummy() always answers false", async () => {
  assert.equal(await verifyAgainstDummy("dummy password that matches nothing"), false);
});

Deno.test("timingSafeEqual() compares bytes and lengths", () => {
  assert.equal(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), true);
  assert.equal(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])), false);
  assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3])), false);
});
