import { AsyncLocalStorage } from "node:async_hooks";

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold = ORDER.info;

/** The request being served, carried through every await of its handling. */
const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** Sets the lowest level that is written. */
export function setLogLevel(level: Level): void {
  threshold = ORDER[level];
}

/** Runs `fn` with `requestId` added to every log line written while it (and what it awaits) runs. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requestScope.run({ requestId }, fn);
}

/**
 * Fields that may hold a credential or someone's words never reach a log line, whoever
 * passes them: the name decides, so a new call site cannot leak one by accident.
 */
const SECRET_FIELD = /pass|secret|token|cookie|authori[sz]ation|session|content|body|code|state/i;

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_FIELD.test(key) ? "[redacted]" : value;
  }
  return out;
}

/** Writes one JSON line per event: easy to grep, easy to ship to a log store. */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < threshold) return;
  const requestId = requestScope.getStore()?.requestId;
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    msg,
    ...(requestId ? { requestId } : {}),
    ...redact(fields),
  });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

/** The loggable parts of an error, stack included (logs only, never responses). */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, stack: err.stack };
  return { error: String(err) };
}
