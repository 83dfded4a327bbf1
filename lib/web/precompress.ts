/**
 * Compression of the build at build time (issue 21): brotli (quality 11) and gzip (level 9)
 * beside each text file of a content-hashed build (`boot.js.br`, `boot.js.gz`), so the server
 * never compresses an asset per request (static_files.ts serves them by Accept-Encoding). A
 * form that would not be smaller than the file is not written. Both codings of every file
 * run at once on libuv's threads (node:zlib's async calls), so a build waits for the slowest
 * file, not for their sum.
 */
import zlib from "node:zlib";
import { promisify } from "node:util";

/** The file name suffix of each encoded form. */
export const ENCODED_SUFFIX = { br: ".br", gzip: ".gz" } as const;

/** What is compressed: the build's scripts, stylesheet and source maps. */
const TEXT_FILE = /\.(?:js|mjs|css|map|json|svg|html|txt)$/;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Writes `<file>.br` and `<file>.gz` beside each text file directly in `dir`. */
export async function precompressBuild(dir: string): Promise<void> {
  const jobs: Promise<void>[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !TEXT_FILE.test(e.name)) continue;
    const path = `${dir}/${e.name}`;
    jobs.push((async () => {
      const bytes = await Deno.readFile(path);
      const [br, gz] = await Promise.all([
        brotli(bytes, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        }),
        gzip(bytes, { level: 9 }),
      ]);
      if (br.length < bytes.length) await Deno.writeFile(`${path}${ENCODED_SUFFIX.br}`, br);
      if (gz.length < bytes.length) await Deno.writeFile(`${path}${ENCODED_SUFFIX.gzip}`, gz);
    })());
  }
  await Promise.all(jobs);
}
