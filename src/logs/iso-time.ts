/** The range ISO 8601 text with a four-digit year holds (what `format: date-time` accepts). */
const EARLIEST_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const LATEST_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * ISO 8601 text of an epoch-ms time that never throws: values stored before times were
 * validated (1e20, say) print as the nearest date with a four-digit year, NaN as the epoch, so
 * that a bad row can never make an answer or a command fail ("Invalid time value", or a
 * `+275760-…` text that an answer's date-time schema refuses).
 */
export function isoTime(ms: number): string {
  const safe = Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, EARLIEST_MS), LATEST_MS);
  return new Date(safe).toISOString();
}
