/**
 * Display names as others see them (lib/shared/names.ts shownDisplayName), kept per stored
 * name: every signed-in request shows its account's name, and each list or page its people's,
 * and cleaning a name (NFC, four regular expressions, a script test per letter) cost more than
 * the rest of reading the account (bench/rest_inproc.ts profiles). Exact: the shown name is a
 * function of the stored one alone, so a name kept here is what cleaning it again would give.
 */
import { shownDisplayName as clean } from "../shared/names.ts";
import { LruCache } from "../storage/mod.ts";

/** Names kept at most, and their characters' bytes (a stored name is at most ~100 characters). */
const shown = new LruCache<string, string>({
  maxEntries: 10_000,
  maxSize: 8 * 1024 * 1024,
  sizeOf: (name, stored) => 2 * (name.length + stored.length) + 64,
});

/** The display name stored, as others see it (see lib/shared/names.ts). */
export function shownDisplayName(stored: string): string {
  let name = shown.get(stored);
  if (name === undefined) {
    name = clean(stored);
    shown.set(stored, name);
  }
  return name;
}
