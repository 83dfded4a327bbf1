/** Domain errors. Routes never build error responses by hand: `errorBody()` maps these. */
export class AppError extends Error {
  constructor(
    readonly status: Status,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The statuses a domain error answers with. */
type Status = 400 | 401 | 403 | 404 | 405 | 408 | 409 | 413 | 415 | 429 | 503;

export class ValidationError extends AppError {
  constructor(message: string, fields?: Record<string, string>, code = "invalid_input") {
    super(400, code, message, fields);
  }
}

/**
 * A kind of AppError: its status, its code (a caller may name a narrower one, such as
 * "already_member") and, where one sentence fits every case, a default message; without one,
 * every `new` must say what went wrong.
 */
function errorKind(status: Status, code: string): new (message: string, code?: string) => AppError;
function errorKind(
  status: Status,
  code: string,
  message: string,
): new (message?: string, code?: string) => AppError;
function errorKind(status: Status, defaultCode: string, defaultMessage = "") {
  return class extends AppError {
    constructor(message = defaultMessage, code = defaultCode) {
      super(status, code, message);
    }
  };
}

export class UnauthorizedError
  extends errorKind(401, "unauthorized", "You need to sign in first.") {}
export class ForbiddenError extends errorKind(403, "forbidden") {}
export class NotFoundError extends errorKind(404, "not_found", "Not found.") {}
export class ConflictError extends errorKind(409, "conflict") {}

export class RateLimitError extends AppError {
  constructor(readonly retryAfterSeconds: number, message = "Too many requests. Try again soon.") {
    super(429, "rate_limited", message);
  }
}

/** The server is at capacity for this kind of work: nothing was done, ask again shortly. */
export class BusyError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = "The server is busy. Try again in a moment.",
  ) {
    super(503, "busy", message);
  }
}

/**
 * The store takes no writes (its disk is full, or it is read-only): nothing was saved, and
 * nothing the client can change will help; an operator must free space. Answered 503 with a
 * Retry-After, so clients keep what they were sending and try again later.
 */
export class StorageFullError extends AppError {
  readonly retryAfterSeconds = 60;
  constructor(readonly reason: string) {
    super(
      503,
      "storage_full",
      "The server cannot save anything right now (its storage is full or read-only). " +
        "Nothing was saved: try again in a minute.",
    );
  }
}

/**
 * What SQLite and the OS say when a write cannot land for lack of space or permission (the
 * local store); a remote store's quota errors say "exceeded".
 */
const STORAGE_FULL =
  /database or disk is full|read-?only database|read-only file system|no space left on device|os error (28|30)\b|disk quota exceeded|storage quota/i;

/** The error a failed write becomes when the store cannot take writes; null for any other. */
export function storageFailure(err: unknown): StorageFullError | null {
  if (err instanceof StorageFullError) return err;
  if (!(err instanceof Error) || !STORAGE_FULL.test(err.message)) return null;
  return new StorageFullError(err.message);
}

export type ErrorBody = {
  error: { code: string; message: string; fields?: Record<string, string>; requestId?: string };
};

/** The contract's error shape for any thrown value; unknown errors never leak their message. */
export function errorBody(err: unknown, requestId?: string): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const error: ErrorBody["error"] = { code: err.code, message: err.message };
    if (err.fields) error.fields = err.fields;
    return { status: err.status, body: { error } };
  }
  return {
    status: 500,
    body: {
      error: {
        code: "internal_error",
        message: "Something went wrong on our side. Please try again.",
        requestId,
      },
    },
  };
}

/** Turns zod issues into `{field: reason}` for the `fields` of a 400. */
export function fieldsFromIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const name = issue.path.map(String).join(".") || "body";
    fields[name] ??= issue.message;
  }
  return fields;
}
