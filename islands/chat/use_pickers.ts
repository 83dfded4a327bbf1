/// <reference lib="dom" />
/**
 * The composer's pickers (pickers.tsx), loaded the first time one shows: until then, and
 * while they load, nothing is drawn (the choice itself is the composer's, kept in app.js, so
 * the keys work at once).
 */
import { useEffect, useState } from "preact/hooks";
import { commandUsage } from "../../lib/shared/commands.ts";
import { mentionOptionId } from "./mention_query.ts";
import { commandOptionId } from "./slash_commands.ts";
import type { Pickers } from "./pickers.tsx";

let pickers: Pickers | undefined;
let loading: Promise<Pickers> | undefined;

/** The pickers, their chunk loaded once (a failed load is tried again next time). */
export function loadPickers(): Promise<Pickers> {
  loading ??= import("./pickers.tsx").then(
    (m) => (pickers = m.makePickers({ commandUsage, commandOptionId, mentionOptionId })),
    (err) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

// The server renders pages synchronously; a picker shows only after typing, but it has them.
if (typeof document === "undefined") await loadPickers();

/** The pickers once loaded; asks for them the first time `wanted` is true. */
export function usePickers(wanted: boolean): Pickers | undefined {
  const [loaded, setLoaded] = useState(() => pickers);
  useEffect(() => {
    if (loaded || !wanted) return;
    let live = true;
    loadPickers().then((p) => live && setLoaded(p), () => {});
    return () => void (live = false);
  }, [wanted]);
  return loaded;
}
