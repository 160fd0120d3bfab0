/**
 * Exact counts of logs above a threshold per rollup row (app, message key, minute or hour), kept for
 * the life of the reader. An entry holds for the row as long as the row's duration_count is
 * the one it was counted at: logs are only ever added to a period (in the same transaction as
 * its rollup rows), so an unchanged count means unchanged logs, and a late log makes the hour
 * count again. Retention removes whole periods and their rows with them. This turns an SLO's
 * 28-day count from reading the threshold's histogram bucket raw in every minute into one look-up
 * per rollup row once it has been counted (the minutes at a range's edges included).
 */
export class AboveCountCache {
  private entries = new Map<string, { durationCount: number; above: number }>();

  constructor(private readonly maxEntries = 1_000_000) {}

  get(threshold: number, app: string, key: string, span: number, start: number, durationCount: number) {
    const entry = this.entries.get(idOf(threshold, app, key, span, start));
    return entry && entry.durationCount === durationCount ? entry.above : undefined;
  }

  set(
    threshold: number,
    app: string,
    key: string,
    span: number,
    start: number,
    durationCount: number,
    above: number,
  ): void {
    // Beyond the bound (thresholds or apps come and go) it starts afresh rather than grow.
    if (this.entries.size >= this.maxEntries) this.entries = new Map();
    this.entries.set(idOf(threshold, app, key, span, start), { durationCount, above });
  }
}

const idOf = (threshold: number, app: string, key: string, span: number, start: number) =>
  `${threshold}\u0000${span}:${start}\u0000${app}\u0000${key}`;
