import type { ViolationHistogram as Histogram } from '../api/types.js';
import { formatCount, formatTime } from '../format.js';

/** Violations per bucket over the range, as small bars; the bucket size is stated. */
export function ViolationHistogram({ histogram }: { histogram: Histogram }) {
  const { buckets } = histogram;
  const max = Math.max(0, ...buckets.map((b) => b.count));
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const width = 100 / Math.max(1, buckets.length);
  const label = `Violations over time: ${formatCount(total)} in ${buckets.length} buckets of ${histogram.interval}, at most ${formatCount(max)} in one`;
  return (
    <figure className="vhist" data-testid="violation-histogram" data-total={total}>
      <figcaption className="vhist-caption muted">
        Violations per {histogram.interval}
        {max > 0 ? ` · peak ${formatCount(max)}` : ''}
      </figcaption>
      <svg className="vhist-bars" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={label}>
        {buckets.map((bucket, i) =>
          bucket.count > 0 ? (
            <rect
              key={bucket.time}
              x={i * width + width * 0.1}
              width={width * 0.8}
              y={40 - (bucket.count / max) * 38}
              height={(bucket.count / max) * 38}
            >
              <title>{`${formatTime(bucket.time)}: ${formatCount(bucket.count)}`}</title>
            </rect>
          ) : null,
        )}
      </svg>
      <div className="vhist-axis muted" aria-hidden="true">
        <span>{formatTime(histogram.from)}</span>
        <span>{formatTime(histogram.to)}</span>
      </div>
    </figure>
  );
}
