/**
 * What counts as a transient Swift (or Keystone) failure, and the backoff between attempts.
 * Transient: 5xx except 501/505 (a proxy or storage node restarting, `node_timeout`), 408 (the
 * proxy's `client_timeout`), 429/498 (ratelimit), and connection-level failures (refused, reset,
 * closed, timed out). Only requests that can be replayed are retried (no streamed bodies).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How many times, and how long apart, a replayable request is attempted. */
export interface RetryPolicy {
  /** Attempts in total (1 = no retry). */
  attempts: number;
  /** Wait before the second attempt; doubled each time, with ±25 % jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The default: 4 attempts, 0.25 s, 0.5 s, 1 s apart (about 2 s in all). */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000 };

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** True for a status worth another attempt. */
export function isTransientStatus(status: number): boolean {
  return (status >= 500 && status !== 501 && status !== 505) || status === 408 || status === 429 || status === 498;
}

/** True for a connection-level error worth another attempt (never for an abort by the caller). */
export function isTransientError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The error code of `err` (or of its cause), for StoreError's `errno`. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code ?? (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Waits before attempt `attempt` (2 = the first retry). */
export async function backoff(policy: RetryPolicy, attempt: number, signal?: AbortSignal): Promise<void> {
  const base = Math.min(policy.baseDelayMs * 2 ** (attempt - 2), policy.maxDelayMs);
  const jittered = base * (0.75 + Math.random() * 0.5);
  await sleep(jittered, undefined, signal ? { signal } : {});
}

/**
 * Runs `fn` until it returns a result `retryable` does not reject, or it throws an error that
 * is not transient, or attempts run out; the last result or error wins. `onRetry` hears each
 * retry (after the failed attempt, before the wait).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  retryable: (result: T) => boolean,
  opts: { signal?: AbortSignal; onRetry?: (attempt: number, why: string) => void } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= policy.attempts;
    let result: T;
    try {
      result = await fn(attempt);
    } catch (err) {
      if (last || !isTransientError(err) || opts.signal?.aborted) throw err;
      opts.onRetry?.(attempt, errorCode(err) ?? (err as Error).message);
      await backoff(policy, attempt + 1, opts.signal);
      continue;
    }
    if (last || !retryable(result)) return result;
    opts.onRetry?.(attempt, 'transient status');
    await backoff(policy, attempt + 1, opts.signal);
  }
}
