/**
 * Why a farm call failed, for callers that act differently per cause:
 * - `unreachable`, `timeout`, `busy` (503 / Retry-After), `server` (other 5xx): try later;
 * - `rejected` (400/422, the farm refused the job), `etag-mismatch` (Flamenco 412 after a
 *   re-read), `not-found`, `unauthorized`, `protocol` (an answer we cannot read): permanent.
 */
export type FarmErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'busy'
  | 'server'
  | 'rejected'
  | 'etag-mismatch'
  | 'not-found'
  | 'unauthorized'
  | 'protocol';

const TRANSIENT_KINDS: readonly FarmErrorKind[] = ['unreachable', 'timeout', 'busy', 'server'];

export interface FarmErrorOptions {
  /** HTTP status, when an answer arrived. */
  status?: number;
  /** How long the farm asked us to wait (Retry-After). */
  retryAfterMs?: number;
  /** The farm's answer body, for logs. */
  body?: unknown;
  cause?: unknown;
}

/** Every failure of a farm adapter. `farmMessage` is the farm's own words where it gave any. */
export class FarmError extends Error {
  readonly transient: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly body?: unknown;

  constructor(
    /** Adapter kind, e.g. `flamenco`. */
    readonly farm: string,
    /** What was being done: `submit`, `status`, `cancel`, `ping`, `job types`. */
    readonly operation: string,
    readonly kind: FarmErrorKind,
    readonly farmMessage: string,
    options: FarmErrorOptions = {},
  ) {
    super(
      `${farm} ${operation} failed${options.status ? ` (${options.status})` : ''}: ${farmMessage}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'FarmError';
    this.transient = TRANSIENT_KINDS.includes(kind);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.body = options.body;
  }
}
