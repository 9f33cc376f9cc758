/**
 * Classifying S3 failures and retrying the transient ones.
 *
 * The SDK's own retries are switched off (`maxAttempts: 1`) so that this layer is
 * the only one: it knows that a 412 is an answer, not a failure (never retried),
 * it reports how many attempts a request took (which tells `putIfAbsent` whether a
 * 412 may be its own earlier attempt), and every attempt shows up in `stats`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  /** Delay cap of the first retry; doubles per retry up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Attempts a request has made so far; shared with the caller, which may inspect it after a failure. */
export interface AttemptState {
  attempts: number;
}

/** What the SDK puts on service errors (and, partly, on network errors). */
interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const shape = (e: unknown): SdkErrorShape => (typeof e === 'object' && e !== null ? (e as SdkErrorShape) : {});

/** HTTP status of a failed request, `undefined` when no response arrived. */
export function statusOf(e: unknown): number | undefined {
  return shape(e).$metadata?.httpStatusCode;
}

/** Error code names S3 (and compatible stores) use for throttling and transient trouble. */
const TRANSIENT_NAMES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
  // A concurrent conditional write on the same key is in flight; ours was not applied.
  'ConditionalRequestConflict',
]);

/** Socket-level failures: the request may or may not have reached the server. */
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET',
]);

/**
 * Is `e` worth another attempt? Throttling, 5xx, 409 ConditionalRequestConflict and
 * network errors are; a 412 (or any other 4xx answer) never is.
 *
 * @example
 * ```ts
 * isRetryable({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }); // true
 * isRetryable({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }); // false
 * ```
 */
export function isRetryable(e: unknown): boolean {
  const { name, code } = shape(e);
  const status = statusOf(e);
  if (status === 412) return false;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (name !== undefined && TRANSIENT_NAMES.has(name)) return true;
  if (status === undefined && code !== undefined && NETWORK_CODES.has(code)) return true;
  // A response that was cut off before the SDK could read a status.
  return status === undefined && e instanceof Error && /socket hang up|aborted|premature close/i.test(e.message);
}

/** `412 PreconditionFailed`: a conditional write found its condition false. */
export const isPreconditionFailed = (e: unknown): boolean => statusOf(e) === 412;

/** `416 InvalidRange`: the range starts at or past the end of the object. */
export const isInvalidRange = (e: unknown): boolean => statusOf(e) === 416;

/** `NoSuchUpload`: the multipart upload was completed or aborted already. */
export const isNoSuchUpload = (e: unknown): boolean => shape(e).name === 'NoSuchUpload';

/** A missing object (`NoSuchKey`, or a bodiless 404 from HEAD) — but not a missing bucket or upload. */
export function isNotFound(e: unknown): boolean {
  const { name } = shape(e);
  return statusOf(e) === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchUpload';
}

/**
 * Delay before retry number `retry` (1-based): exponential, capped, with "equal
 * jitter" (half fixed, half random) so that clients that failed together do not
 * retry in lockstep, yet every retry still waits a little longer than the last.
 *
 * @example
 * ```ts
 * backoffMs({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 }, 3); // between 200 and 400
 * ```
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return cap / 2 + random() * (cap / 2);
}

/** Attempts behind each error `withRetry` gave up on; a WeakMap, so foreign error objects stay untouched. */
const attemptsByError = new WeakMap<object, number>();

/**
 * How many attempts were made before `withRetry` threw `e` (1 if it did not come from `withRetry`).
 *
 * @example
 * ```ts
 * try { await withRetry(policy, { attempts: 0 }, send); } catch (e) { console.log(attemptsOf(e)); }
 * ```
 */
export function attemptsOf(e: unknown): number {
  return (typeof e === 'object' && e !== null && attemptsByError.get(e)) || 1;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the policy
 * runs out; then throws the last error. `state.attempts` counts the attempts made.
 *
 * @example
 * ```ts
 * const state = { attempts: 0 };
 * const res = await withRetry(policy, state, () => client.send(new HeadObjectCommand(input)));
 * ```
 */
export async function withRetry<T>(policy: RetryPolicy, state: AttemptState, attempt: () => Promise<T>, onRetry?: (e: unknown) => void): Promise<T> {
  for (;;) {
    state.attempts++;
    try {
      return await attempt();
    } catch (e) {
      if (!isRetryable(e) || state.attempts >= policy.maxAttempts) {
        if (typeof e === 'object' && e !== null) attemptsByError.set(e, state.attempts);
        throw e;
      }
      onRetry?.(e);
      await sleep(backoffMs(policy, state.attempts));
    }
  }
}

/**
 * Describes a failed request for an error message: the S3 error code, the HTTP
 * status and the number of attempts, e.g. `SlowDown (HTTP 503) after 5 attempts`.
 *
 * @example
 * ```ts
 * throw new StoreFailureError('get', key, describeFailure(e, state.attempts));
 * ```
 */
export function describeFailure(e: unknown, attempts: number): Error {
  const { name, code } = shape(e);
  const status = statusOf(e);
  const what = [name ?? 'Error', code && code !== name ? `[${code}]` : '', status ? `(HTTP ${status})` : ''].filter(Boolean).join(' ');
  const message = e instanceof Error ? e.message : String(e);
  return new Error(`${what}: ${message} — after ${attempts} attempt${attempts === 1 ? '' : 's'}`, { cause: e });
}
