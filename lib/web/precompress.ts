/**
 * Compression of the build at build time (issue 21): brotli and gzip beside each text file of
 * a content-hashed build, so the server never compresses an asset per request.
 * (Groundwork: the compression helper fills this in.)
 */
export async function precompressBuild(_dir: string): Promise<void> {}
