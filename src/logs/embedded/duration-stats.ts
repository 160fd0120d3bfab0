import { addToHistogram, bucketOf, type Histogram } from './histogram.js';

/** Duration figures of one group (a rollup row, a bucket, an app, a message key) being summed up. */
export interface DurationStats {
  count: number;
  durationCount: number;
  durationSum: number;
  durationMax: number | null;
  histogram: Histogram;
}

export const emptyDurationStats = (): DurationStats => ({
  count: 0,
  durationCount: 0,
  durationSum: 0,
  durationMax: null,
  histogram: new Map(),
});

/** Counts one duration (the log itself is counted in `count` by the caller). */
export function addDuration(target: DurationStats, ms: number): void {
  target.durationCount++;
  target.durationSum += ms;
  if (target.durationMax === null || ms > target.durationMax) target.durationMax = ms;
  addToHistogram(target.histogram, bucketOf(ms), 1);
}

export function mergeDurationStats(target: DurationStats, source: DurationStats): void {
  target.count += source.count;
  target.durationCount += source.durationCount;
  target.durationSum += source.durationSum;
  if (source.durationMax !== null && (target.durationMax === null || source.durationMax > target.durationMax)) {
    target.durationMax = source.durationMax;
  }
  for (const [bucket, count] of source.histogram) addToHistogram(target.histogram, bucket, count);
}
