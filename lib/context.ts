import type { Config } from "../config.ts";
import type { Assets } from "./web/mod.ts";
import type { Hub } from "./realtime/mod.ts";

/** What every request handler may use; built once by main.ts, once per test. */
export type AppContext = {
  kv: Deno.Kv;
  config: Config;
  hub: Hub;
  assets: Assets;
};
