/**
 * The longest wait a peer may ask for (Retry-After, Telegram's retry_after): one hour. A peer
 * asking for more (or for 1e20 seconds) is asked again after an hour, so a hostile or broken
 * receiver can neither park a row for ever nor push a stored time out of range.
 */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

// RFC 9110 HTTP-date: IMF-fixdate, obsolete RFC 850 and asctime forms all start with a day name.
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;

/**
 * A `Retry-After` header as a wait in ms: delay-seconds or an HTTP-date (a date in the past is
 * 0), capped at MAX_RETRY_AFTER_MS. Absent, negative, fractional or unreadable: undefined.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** A wait given as a JSON number of seconds (Telegram's `retry_after`), in ms, capped; else undefined. */
export function retryAfterSecondsToMs(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(Math.round(value * 1000), MAX_RETRY_AFTER_MS);
}
