/** The largest magnitude a JavaScript Date holds (±100,000,000 days around the epoch). */
const DATE_LIMIT_MS = 8.64e15;

/**
 * ISO 8601 text of an epoch-ms time that never throws: values stored before times were
 * validated (1e20, say) print as the nearest date a Date can hold, NaN as the epoch, so that a
 * bad row can never make an answer or a command fail with "Invalid time value".
 */
export function isoTime(ms: number): string {
  const safe = Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, -DATE_LIMIT_MS), DATE_LIMIT_MS);
  return new Date(safe).toISOString();
}
