import type { DurationUnit } from '../../config/config.js';
import type { AppStats, BucketStats, SummaryStats, TimeRange } from '../source.js';
import type { EsHttpClient } from './http-client.js';
import { durationPresent, type Query, timeRange, toMs } from './queries.js';

export interface AggregationFields {
  timestamp: string;
  duration: string;
  unit: DurationUnit;
  app: string;
  messageKey: string;
  level: string;
}

interface DurationAggBody {
  doc_count: number;
  stats: { count: number; sum: number; max: number | null };
  p95?: { values: Record<string, number | null> };
}

interface CompositeBucket {
  key: Record<string, string | number | boolean>;
  doc_count: number;
  dur: DurationAggBody;
}

interface DurationFigures {
  count: number;
  sumMs: number;
  maxMs: number | null;
  p95Ms: number | null;
}

const COMPOSITE_PAGE = 1000;
/** Elasticsearch refuses more than 65,536 buckets (`search.max_buckets`); OpenSearch 65,535. */
const MAX_HISTOGRAM_BUCKETS = 65_000;

/** Duration figures over the logs that carry a numeric, non-negative duration (as the embedded store counts them). */
function durationAgg(field: string, withPercentile: boolean): Query {
  return {
    filter: durationPresent(field),
    aggs: {
      stats: { stats: { field } },
      ...(withPercentile ? { p95: { percentiles: { field, percents: [95] } } } : {}),
    },
  };
}

function readDuration(agg: DurationAggBody, unit: DurationUnit): DurationFigures {
  const count = agg.stats.count;
  const p95 = agg.p95 ? Object.values(agg.p95.values)[0] : null;
  return {
    count,
    sumMs: count === 0 ? 0 : toMs(agg.stats.sum, unit),
    maxMs: count === 0 || agg.stats.max === null ? null : toMs(agg.stats.max, unit),
    p95Ms: count === 0 || p95 === null || p95 === undefined ? null : toMs(p95, unit),
  };
}

const avg = (d: DurationFigures) => (d.count === 0 ? null : d.sumMs / d.count);

function searchPath(target: string) {
  return {
    path: `/${target}/_search`,
    query: { ignore_unavailable: true, allow_no_indices: true, request_cache: true },
  };
}

/** Every bucket of a composite aggregation, page by page (exact, unlike `terms`). */
async function compositeAll(
  client: EsHttpClient,
  target: string,
  query: Query,
  sources: Record<string, string>,
  durationField: string,
  withPercentile: boolean,
): Promise<CompositeBucket[]> {
  const buckets: CompositeBucket[] = [];
  let after: Record<string, unknown> | undefined;
  for (;;) {
    const { body } = await client.request<{
      aggregations?: { groups: { buckets: CompositeBucket[]; after_key?: Record<string, unknown> } };
    }>({
      method: 'POST',
      ...searchPath(target),
      body: {
        size: 0,
        track_total_hits: false,
        query,
        aggs: {
          groups: {
            composite: {
              size: COMPOSITE_PAGE,
              sources: Object.entries(sources).map(([name, field]) => ({ [name]: { terms: { field } } })),
              ...(after ? { after } : {}),
            },
            aggs: { dur: durationAgg(durationField, withPercentile) },
          },
        },
      },
    });
    const page = body.aggregations?.groups;
    if (!page || page.buckets.length === 0) return buckets;
    buckets.push(...page.buckets);
    if (page.buckets.length < COMPOSITE_PAGE || !page.after_key) return buckets;
    after = page.after_key;
  }
}

function rangeQuery(fields: AggregationFields, range: TimeRange, extra: Query[] = []): Query {
  return { bool: { filter: [timeRange(fields.timestamp, range), ...extra] } };
}

export async function summaryStats(
  client: EsHttpClient,
  target: string,
  fields: AggregationFields,
  range: TimeRange,
): Promise<SummaryStats> {
  const query = rangeQuery(fields, range);
  const { body } = await client.request<{
    hits: { total: { value: number } | number };
    aggregations?: { dur: DurationAggBody };
  }>({
    method: 'POST',
    ...searchPath(target),
    body: { size: 0, track_total_hits: true, query, aggs: { dur: durationAgg(fields.duration, false) } },
  });
  const total = typeof body.hits.total === 'number' ? body.hits.total : body.hits.total.value;
  const overall = body.aggregations ? readDuration(body.aggregations.dur, fields.unit) : undefined;
  const apps = await compositeAll(client, target, query, { app: fields.app }, fields.duration, false);
  const levelBuckets = await compositeAll(client, target, query, { level: fields.level }, fields.duration, false);
  const levels = new Map<string, number>();
  for (const bucket of levelBuckets) {
    // Mixed-case spellings of one level ("INFO", "info") are one level for lagwatch.
    const level = String(bucket.key.level).toLowerCase();
    levels.set(level, (levels.get(level) ?? 0) + bucket.doc_count);
  }
  return {
    totalLogs: total,
    durationCount: overall?.count ?? 0,
    durationSumMs: overall?.sumMs ?? 0,
    byApp: apps.map((bucket) => {
      const d = readDuration(bucket.dur, fields.unit);
      return { app: String(bucket.key.app), count: bucket.doc_count, durationCount: d.count, durationSumMs: d.sumMs };
    }),
    levels: [...levels.entries()]
      .map(([level, count]) => ({ level, count }))
      .sort((a, b) => b.count - a.count || a.level.localeCompare(b.level)),
  };
}

export async function timeseriesStats(
  client: EsHttpClient,
  target: string,
  fields: AggregationFields,
  range: TimeRange,
  intervalMs: number,
  app: string | undefined,
): Promise<BucketStats[]> {
  if (!Number.isInteger(intervalMs) || intervalMs < 1000) {
    throw new RangeError(`timeseries interval must be a whole number of milliseconds >= 1000, got ${intervalMs}`);
  }
  if ((range.to - range.from) / intervalMs > MAX_HISTOGRAM_BUCKETS) {
    throw new RangeError(`timeseries: more than ${MAX_HISTOGRAM_BUCKETS} buckets requested; use a larger interval`);
  }
  const query = rangeQuery(fields, range, app === undefined ? [] : [{ term: { [fields.app]: app } }]);
  const { body } = await client.request<{
    aggregations?: { series: { buckets: { key: number; doc_count: number; dur: DurationAggBody }[] } };
  }>({
    method: 'POST',
    ...searchPath(target),
    body: {
      size: 0,
      track_total_hits: false,
      query,
      aggs: {
        series: {
          // Fixed intervals in UTC are aligned to the epoch, as the embedded store's buckets are.
          date_histogram: { field: fields.timestamp, fixed_interval: `${intervalMs}ms`, min_doc_count: 1 },
          aggs: { dur: durationAgg(fields.duration, true) },
        },
      },
    },
  });
  return (body.aggregations?.series.buckets ?? []).map((bucket) => {
    const d = readDuration(bucket.dur, fields.unit);
    return { start: bucket.key, count: bucket.doc_count, avgMs: avg(d), p95Ms: d.p95Ms };
  });
}

export async function appStatistics(
  client: EsHttpClient,
  target: string,
  fields: AggregationFields,
  range: TimeRange,
  keysPerApp: number,
): Promise<AppStats[]> {
  const query = rangeQuery(fields, range);
  const apps = await compositeAll(client, target, query, { app: fields.app }, fields.duration, true);
  const keys =
    keysPerApp > 0
      ? await compositeAll(client, target, query, { app: fields.app, key: fields.messageKey }, fields.duration, true)
      : [];
  const keysByApp = new Map<string, AppStats['slowestKeys']>();
  for (const bucket of keys) {
    const app = String(bucket.key.app);
    const d = readDuration(bucket.dur, fields.unit);
    const list = keysByApp.get(app) ?? [];
    list.push({
      messageKey: String(bucket.key.key),
      count: bucket.doc_count,
      avgMs: avg(d),
      p95Ms: d.p95Ms,
      maxMs: d.maxMs,
    });
    keysByApp.set(app, list);
  }
  return apps
    .map((bucket) => {
      const app = String(bucket.key.app);
      const d = readDuration(bucket.dur, fields.unit);
      return {
        app,
        count: bucket.doc_count,
        avgMs: avg(d),
        p95Ms: d.p95Ms,
        maxMs: d.maxMs,
        slowestKeys: (keysByApp.get(app) ?? []).sort(bySlowest).slice(0, keysPerApp),
      };
    })
    .sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
}

/** p95 descending, logs without durations last, then the key for a stable order. */
function bySlowest(a: { messageKey: string; p95Ms: number | null }, b: { messageKey: string; p95Ms: number | null }) {
  const pa = a.p95Ms ?? Number.NEGATIVE_INFINITY;
  const pb = b.p95Ms ?? Number.NEGATIVE_INFINITY;
  if (pa !== pb) return pb > pa ? 1 : -1;
  return a.messageKey < b.messageKey ? -1 : a.messageKey > b.messageKey ? 1 : 0;
}
