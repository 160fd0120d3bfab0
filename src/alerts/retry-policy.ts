import { MAX_RETRY_AFTER_MS } from '../outbound/retry-after.js';

/** When to try a failed send again. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before attempt `attempt + 1` after `attempt` attempts have failed, in ms. */
  delayMs(attempt: number, retryAfterMs?: number): number;
}

/**
 * Exponential backoff from 5 s doubling to at most 30 min, with ±20 % jitter so that many
 * failed rows do not retry in lockstep; a peer's own retry-after wins when it is longer (up to
 * MAX_RETRY_AFTER_MS, whatever the peer asked).
 */
export function exponentialBackoff(
  options: { baseMs?: number; maxMs?: number; maxAttempts?: number; random?: () => number } = {},
): RetryPolicy {
  const baseMs = options.baseMs ?? 5_000;
  const maxMs = options.maxMs ?? 30 * 60_000;
  const random = options.random ?? Math.random;
  return {
    maxAttempts: options.maxAttempts ?? 12,
    delayMs(attempt, retryAfterMs) {
      const exponential = Math.min(baseMs * 2 ** Math.max(attempt - 1, 0), maxMs);
      const jittered = exponential * (0.8 + 0.4 * random());
      return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
    },
  };
}

/**
 * The longest a pending row waits for its next attempt, whatever a policy or a peer said: the
 * stored time stays a small integer on every driver's BIGINT column and a valid date.
 */
export const MAX_RETRY_DELAY_MS = 24 * 60 * 60_000;

/** When a row failed at `now` is next due after `delayMs`: an integer, at most MAX_RETRY_DELAY_MS ahead. */
export function nextAttemptAt(now: number, delayMs: number): number {
  const delay = Number.isNaN(delayMs) ? 0 : Math.min(Math.max(delayMs, 0), MAX_RETRY_DELAY_MS);
  return Math.round(now + delay);
}
