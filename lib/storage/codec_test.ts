import assert from "node:assert/strict";
import { decodeKey, decodeValue, encodeKey, encodeValue } from "./codec.ts";

Deno.test("encodeValue() writes bytes as standard base64, and decodeValue() reads them back", () => {
  assert.deepEqual(encodeValue(new Uint8Array([250, 251, 0, 1, 255])), {
    $t: "bytes",
    v: "+vsAAf8=",
  });
  // Every byte value, past the 32 KiB a String.fromCharCode spread once had to be cut into.
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
  const json = JSON.parse(JSON.stringify(encodeValue({ file: bytes })));
  assert.deepEqual(decodeValue(json), { file: bytes });
  assert.deepEqual(decodeKey(encodeKey(["chunk", new Uint8Array([0, 255])])), [
    "chunk",
    new Uint8Array([0, 255]),
  ]);
});

Deno.test("decodeValue() refuses bytes that are not base64", () => {
  assert.throws(() => decodeValue({ $t: "bytes", v: "not base64!" }));
});
