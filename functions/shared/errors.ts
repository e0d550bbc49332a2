/** One error hierarchy for the whole platform, mapped to HTTP in one place (http.ts). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class AppError extends Error {
  /** Seconds after which a retry may succeed: sent as `Retry-After` (409 conflicts of the moment, 503). */
  retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: readonly FieldIssue[] = []) {
    super(400, 'validation_failed', message, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required') {
    super(401, 'unauthorized', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this') {
    super(403, 'forbidden', message);
  }
}
/**
 * Nobody decides on their own record (Art. 10.3, 18): a conflict of interest or a self-approval. A 403
 * that the HTTP edge also writes to the audit trail (`<action>.refused` on `resource`), so refused
 * attempts are attributable like accepted ones.
 */
export class ConflictOfInterestError extends AppError {
  constructor(
    message: string,
    readonly refused: { readonly resource: string; readonly action: string },
  ) {
    super(403, 'conflict_of_interest', message);
  }
}
export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} was not found`);
  }
}
/** The current state forbids the transition, or the caller's version is stale. */
export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(409, code, message, details);
  }
}
export class StaleVersionError extends ConflictError {
  constructor(expected?: number) {
    super(
      'The record was changed by someone else; reload it and try again',
      'stale_version',
      expected === undefined ? undefined : { expectedVersion: expected },
    );
  }
}
/** Optimistic locking: a caller that names the version it read must still be looking at it. */
export const assertVersion = (current: { readonly version: number }, expected: number | undefined): void => {
  if (expected !== undefined && expected !== current.version) throw new StaleVersionError(expected);
};

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `The request body exceeds ${limit} bytes`);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super(415, 'unsupported_media_type', 'Send the request body as application/json');
  }
}

/** A concurrent transaction touched the same items and won: retrying the same request may succeed. */
export class TransactionConflictError extends ConflictError {
  constructor() {
    super('Another change to the same record was in progress; retry the request', 'transaction_conflict');
    this.retryAfterSeconds = 1;
  }
}

/** DynamoDB throttled the request (capacity or request-rate limits): retry after a moment. */
export class ServiceUnavailableError extends AppError {
  constructor(message = 'The platform is busy; retry the request shortly', retryAfterSeconds = 2) {
    super(503, 'temporarily_unavailable', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ProvisionedThroughputExceeded',
  'ThrottlingException',
  'ThrottlingError',
  'Throttling',
  'RequestLimitExceeded',
]);
const CONFLICT = new Set([
  'TransactionConflictException',
  'TransactionConflict',
  'TransactionInProgressException',
]);

/**
 * The client's answer to a DynamoDB error that is not the caller's fault and not a bug, by the SDK's
 * error name or a transaction's cancellation reason code: a conflict of the moment (409, retry) or
 * throttling (503, retry). Undefined for anything else. Never a 500 for these (issue 7, kind 3).
 */
export const transientAwsError = (e: unknown): AppError | undefined => {
  const name = (e as { name?: unknown } | null)?.name;
  if (typeof name !== 'string') return undefined;
  if (THROTTLING.has(name)) return new ServiceUnavailableError();
  if (CONFLICT.has(name)) return new TransactionConflictError();
  if (name === 'TransactionCanceledException') {
    const codes = ((e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
      (r) => r.Code ?? 'None',
    );
    if (codes.some((c) => THROTTLING.has(c))) return new ServiceUnavailableError();
    if (codes.some((c) => CONFLICT.has(c))) return new TransactionConflictError();
  }
  return undefined;
};

/** Turns zod issues into field-level details. */
export const fieldIssues = (
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix?: string,
): FieldIssue[] =>
  issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: i.message,
  }));

/** A client sent too many requests in a window (rate-limited anonymous routes). */
export class TooManyRequestsError extends AppError {
  constructor(message = 'Too many requests; try again later') {
    super(429, 'too_many_requests', message);
  }
}
