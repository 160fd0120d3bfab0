/** When to try a failed send again. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before attempt `attempt + 1` after `attempt` attempts have failed, in ms. */
  delayMs(attempt: number, retryAfterMs?: number): number;
}

/**
 * Exponential backoff from 5 s doubling to at most 30 min, with ±20 % jitter so that many
 * failed rows do not retry in lockstep; a peer's own retry-after wins when it is longer.
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
      return Math.round(Math.max(jittered, retryAfterMs ?? 0));
    },
  };
}
