/**
 * PBKDF2-HMAC-SHA256 with Web Crypto, 32 bytes out: how passwords were hashed before
 * Argon2id, kept to verify those hashes until their owners next sign in (which replaces
 * them). Deno runs it on a thread of its blocking pool, not on the JavaScript thread.
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
