/** `deno task build`: builds the island bundles and the stylesheet once (start-up reuses them). */
import { buildAssets } from "./lib/web/mod.ts";

const root = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const assets = await buildAssets(root);
console.log(`built ${assets.islands.length} islands and the stylesheet into ${assets.dir}`);
