import Type, { type Static } from 'typebox';
import { WINDOW_STATISTICS, type WindowStatistic } from '../../../logs/window-stats.js';
import {
  windowCreateSchema,
  windowListFilters,
  windowOutputSchema,
  windowPreviewSchema,
  windowUpdateSchema,
} from '../window-fields.js';

export const BASELINE_OFFSETS = { '1d': 86_400_000, '7d': 7 * 86_400_000 } as const;
export const MAX_SERIES = 200;

const Statistic = Type.Unsafe<WindowStatistic>(
  Type.Union(
    WINDOW_STATISTICS.map((s) => Type.Literal(s)),
    { description: 'p50, p90, p95, p99, avg, max, or slow_ratio (the share, in %, of logs slower than slow_ms)' },
  ),
);

const Baseline = Type.Object(
  {
    compare_to: Type.Union([Type.Literal('1d'), Type.Literal('7d')], {
      description: 'Compare with the same window this long earlier',
    }),
    ratio: Type.Number({
      exclusiveMinimum: 1,
      maximum: 1000,
      description: 'Fires when value > ratio × baseline value',
    }),
    min_increase_ms: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1e12, description: 'and value − baseline value >= this (default 0)' }),
    ),
  },
  { additionalProperties: false },
);

/** The latency kind's own fields, as a create body takes them. */
const own = {
  per_key: Type.Optional(
    Type.Boolean({
      description: `With message_key null: one series per message key, the ${MAX_SERIES} busiest (default false)`,
    }),
  ),
  statistic: Statistic,
  slow_ms: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, maximum: 1e12, description: 'slow_ratio only: a log slower than this is slow' }),
  ),
  window_minutes: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1440, description: 'Window of log time judged at each scan (default 5)' }),
  ),
  threshold: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1e12, description: 'Fires when value > threshold (ms, or % for slow_ratio)' }),
  ),
  baseline: Type.Optional(Baseline),
  resolve_threshold: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1e12, description: 'Resolves when value <= this (default: threshold)' }),
  ),
  min_samples: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Windows with fewer logs are not judged (default 20)',
    }),
  ),
  pending_minutes: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1440,
      description: 'Minutes the condition must hold before firing (default 0)',
    }),
  ),
};

export const LatencyCreate = windowCreateSchema(
  own,
  'A latency rule: a statistic of the durations over a window, against a threshold or a baseline (exactly one)',
);
export const LatencyPreview = windowPreviewSchema(own);
export const LatencyUpdate = windowUpdateSchema(own);
export const latencyListFilters = windowListFilters;

/** The stored definition (defaults applied). */
export const LatencyDefinition = Type.Object({
  per_key: Type.Boolean(),
  statistic: Statistic,
  slow_ms: Type.Union([Type.Number(), Type.Null()]),
  window_minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  baseline: Type.Union([
    Type.Object({
      compare_to: Type.Union([Type.Literal('1d'), Type.Literal('7d')]),
      ratio: Type.Number(),
      min_increase_ms: Type.Number(),
    }),
    Type.Null(),
  ]),
  resolve_threshold: Type.Union([Type.Number(), Type.Null()]),
  min_samples: Type.Integer({ minimum: 1 }),
  pending_minutes: Type.Integer({ minimum: 0 }),
});
export type LatencyDefinition = Static<typeof LatencyDefinition>;

export const LatencyOutput = windowOutputSchema('latency', {
  per_key: Type.Boolean(),
  statistic: Type.String(),
  slow_ms: Type.Union([Type.Number(), Type.Null()]),
  window_minutes: Type.Integer(),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  baseline: Type.Union([
    Type.Object({ compare_to: Type.String(), ratio: Type.Number(), min_increase_ms: Type.Number() }),
    Type.Null(),
  ]),
  resolve_threshold: Type.Union([Type.Number(), Type.Null()], { description: 'null: the threshold' }),
  min_samples: Type.Integer(),
  pending_minutes: Type.Integer(),
});
