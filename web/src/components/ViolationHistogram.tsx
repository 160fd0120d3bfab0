import { useMemo } from 'react';
import type { ViolationHistogram as Histogram } from '../api/types.js';
import { bucketWidth, formatCount } from '../format.js';
import { Chart, type ChartEvent, type ChartSeries, type ChartZoom } from './Chart.js';

/** The window of bucket `index`, cut to the histogram's range (its first and last buckets may reach past it). */
export function bucketWindow(histogram: Histogram, index: number): { from: Date; to: Date } | undefined {
  const bucket = histogram.buckets[index];
  if (!bucket) return undefined;
  const start = Date.parse(bucket.time);
  const from = Math.max(start, Date.parse(histogram.from));
  const to = Math.min(start + histogram.interval_ms, Date.parse(histogram.to));
  return to > from ? { from: new Date(from), to: new Date(to) } : undefined;
}

/**
 * Violations per bucket over the range, as bars; the bucket size is stated. Dragging across it or
 * clicking a bar narrows the range to that window (`onZoom`); silences and sent alerts are marked.
 */
export function ViolationHistogram({
  histogram,
  onZoom,
  zoom,
  events,
}: {
  histogram: Histogram;
  onZoom: (from: Date, to: Date) => void;
  zoom: ChartZoom;
  events?: ChartEvent[];
}) {
  const { buckets } = histogram;
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const max = Math.max(0, ...buckets.map((b) => b.count));
  const times = useMemo(() => buckets.map((b) => Date.parse(b.time)), [buckets]);
  const series = useMemo(
    (): ChartSeries[] => [
      {
        label: 'Violations',
        values: buckets.map((b) => b.count),
        color: '--chart-bad',
        kind: 'bars',
        scale: 'violations',
        format: (v) => formatCount(Math.round(v)),
      },
    ],
    [buckets],
  );
  const bucketInfo = useMemo(
    () => ({ intervalMs: histogram.interval_ms, from: Date.parse(histogram.from), to: Date.parse(histogram.to) }),
    [histogram],
  );
  const per = bucketWidth(histogram.interval_ms).short;
  const pick = (index: number) => {
    const window = bucketWindow(histogram, index);
    if (window && (buckets[index]?.count ?? 0) > 0) onZoom(window.from, window.to);
  };
  return (
    <figure className="vhist" data-testid="violation-histogram" data-total={total}>
      <figcaption className="vhist-caption muted">
        Violations per {histogram.interval}
        {max > 0 ? ` · peak ${formatCount(max)}` : ''} · click a bar or drag across the chart to narrow the list
      </figcaption>
      <Chart
        times={times}
        series={series}
        axes={[{ scale: 'violations', label: `violations / ${per}`, integer: true }]}
        buckets={bucketInfo}
        events={events}
        onZoom={onZoom}
        onPick={pick}
        zoom={zoom}
        name="violations over time"
        height={160}
        summary={`Violations over time: ${formatCount(total)} in ${buckets.length} buckets of ${histogram.interval}, at most ${formatCount(max)} in one`}
      />
    </figure>
  );
}
