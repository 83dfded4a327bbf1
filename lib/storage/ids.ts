/**
 * Ids here are ULIDs. Anything else cannot name a record, and an over-long id would push a
 * KV key past its 2 KiB limit (a 500): callers answer 404 for ids that fail this.
 */
export function isId(value: string): boolean {
  return /^[0-9A-Za-z]{1,64}$/.test(value);
}
