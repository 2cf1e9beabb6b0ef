// The one family of errors Slipway throws: each has a stable code and a kind that the HTTP layer
// maps to a status and the CLI prints. Expected outcomes (a failed health check) are values, not these.

export type ErrorKind = 'input' | 'auth' | 'forbidden' | 'not_found' | 'conflict' | 'internal';

export class SlipwayError extends Error {
  override name = 'SlipwayError';
  readonly kind: ErrorKind = 'internal';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }

  /** Extra data safe to show to the caller (e.g. every problem of a config file). */
  readonly details: unknown;
}

/** The request or file is malformed: the caller must change it. HTTP 400. */
export class InputError extends SlipwayError {
  override name = 'InputError';
  override readonly kind = 'input';
}

/** No valid credentials. HTTP 401. */
export class AuthError extends SlipwayError {
  override name = 'AuthError';
  override readonly kind = 'auth';
}

/** Valid credentials that may not do this. HTTP 403. */
export class ForbiddenError extends SlipwayError {
  override name = 'ForbiddenError';
  override readonly kind = 'forbidden';
}

/** The named thing does not exist. HTTP 404. */
export class NotFoundError extends SlipwayError {
  override name = 'NotFoundError';
  override readonly kind = 'not_found';
}

/** The request clashes with the current state (a deployment already running, a quarantined version). HTTP 409. */
export class ConflictError extends SlipwayError {
  override name = 'ConflictError';
  override readonly kind = 'conflict';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
