import type { TimeRange } from '../source.js';

/** Rollup rows of one span whose start lies in [fromStart, toStart). */
export interface RollupPart {
  span: number;
  fromStart: number;
  toStart: number;
}

export interface RangePlan {
  rollups: RollupPart[];
  /** Ragged edges, read from raw rows. */
  raw: TimeRange[];
}

/**
 * Splits [from, to) into whole periods of the longest span that fits (served by rollups) and
 * recursively the ragged edges around them with the shorter spans; what no span covers is
 * read from raw rows.
 */
export function planRange(range: TimeRange, spans: readonly number[]): RangePlan {
  const plan: RangePlan = { rollups: [], raw: [] };
  split(range.from, range.to, spans, plan);
  return plan;
}

function split(from: number, to: number, spans: readonly number[], plan: RangePlan): void {
  if (from >= to) return;
  const [span, ...shorter] = spans;
  if (span === undefined) {
    plan.raw.push({ from, to });
    return;
  }
  const first = Math.ceil(from / span) * span;
  const end = Math.floor(to / span) * span;
  if (first >= end) {
    split(from, to, shorter, plan);
    return;
  }
  split(from, first, shorter, plan);
  plan.rollups.push({ span, fromStart: first, toStart: end });
  split(end, to, shorter, plan);
}

/** The spans usable for buckets of `intervalMs`: those that divide it. */
export function spansDividing(intervalMs: number, spans: readonly number[]): number[] {
  return spans.filter((span) => intervalMs % span === 0);
}
