import { argon2id } from "hash-wasm";

/** Argon2id's cost: what a new hash is made with, and stored beside it. */
export type Argon2Params = { memoryKiB: number; iterations: number; parallelism: number };

/**
 * OWASP's first Argon2id choice: 19 MiB, 2 passes, 1 lane. hash-wasm (WebAssembly, on the
 * hashing thread) takes ~85–110 ms for it on the reference machine, as long as the
 * PBKDF2-SHA256 at 600,000 iterations it replaces (docs/benchmarks.md, Login).
 */
export const ARGON2_PARAMS: Argon2Params = { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 };

/**
 * 32 bytes of Argon2id. Synchronous WebAssembly under the promise: run it off the main thread.
 * Throws on an empty password (hash-wasm refuses one).
 */
export async function argon2idBits(
  password: string,
  salt: Uint8Array,
  params: Argon2Params,
): Promise<Uint8Array> {
  return await argon2id({
    password,
    salt,
    memorySize: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: 32,
    outputType: "binary",
  });
}
