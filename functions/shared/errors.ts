/** One error hierarchy for the whole platform, mapped to HTTP in one place (http.ts). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class AppError extends Error {
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

/** Turns zod issues into field-level details. */
export const fieldIssues = (
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix?: string,
): FieldIssue[] =>
  issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: i.message,
  }));

/** A rate limit was reached (e.g. verification calls per minute); retry later. */
export class TooManyRequestsError extends AppError {
  constructor(message: string) {
    super(429, 'too_many_requests', message);
  }
}
