/**
 * PBKDF2-HMAC-SHA256 with Web Crypto, 32 bytes out. Deno runs the derivation on a thread of
 * the calling thread's blocking pool (native SHA-256: ~80 ms at 600,000 iterations), not on
 * the JavaScript thread; a pure-JavaScript, WebAssembly or node:crypto `pbkdf2Sync` derivation
 * measured 4–20× slower, so both lib/passwords.ts and lib/hash_worker.ts use this one.
 */
export async function pbkdf2Sha256(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}
