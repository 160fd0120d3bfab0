import type { DurationUnit } from '../../config/config.js';
import type { AppStats, BucketStats, SummaryLimits, SummaryStats, TimeRange } from '../source.js';
import { assertComplete } from './errors.js';
import type { EsHttpClient } from './http-client.js';
import { type KeywordField, keywordSource, keywordTerms } from './keyword-field.js';
import { type PercentileAnswer, p95Aggregation, type RankRounding, readP95 } from './percentiles.js';
import { durationPresent, type Query, timeRange, toMs } from './queries.js';

export interface AggregationFields {
  timestamp: string;
  duration: string;
  unit: DurationUnit;
  app: KeywordField;
  messageKey: KeywordField;
  level: KeywordField;
  /** How the server's percentiles read a rank (see percentiles.ts). */
  rounding: RankRounding;
}

interface DurationAggBody {
  doc_count: number;
  stats: { count: number; sum: number; max: number | null };
  p95?: PercentileAnswer;
}

interface CompositeBucket {
  key: Record<string, string | number | boolean | null>;
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
const UNKNOWN_LEVEL = 'unknown';
/** Elasticsearch refuses more than 65,536 buckets (`search.max_buckets`); OpenSearch 65,535. */
const MAX_HISTOGRAM_BUCKETS = 65_000;

/** Duration figures over the logs that carry a numeric, non-negative duration (as the embedded store counts them). */
function durationAgg(field: string, percentiles: RankRounding | undefined): Query {
  return {
    filter: durationPresent(field),
    aggs: {
      stats: { stats: { field } },
      ...(percentiles ? { p95: p95Aggregation(field, percentiles) } : {}),
    },
  };
}

function readDuration(agg: DurationAggBody, fields: Pick<AggregationFields, 'unit' | 'rounding'>): DurationFigures {
  const count = agg.stats.count;
  const maxMs = count === 0 || agg.stats.max === null ? null : toMs(agg.stats.max, fields.unit);
  return {
    count,
    sumMs: count === 0 ? 0 : toMs(agg.stats.sum, fields.unit),
    maxMs,
    p95Ms: readP95(agg.p95, count, fields.rounding, fields.unit, maxMs),
  };
}

const avg = (d: DurationFigures) => (d.count === 0 ? null : d.sumMs / d.count);

/** One `size: 0` search; partial results (failed shards) are refused rather than shown as figures. */
async function aggregate<T>(client: EsHttpClient, target: string, body: Query): Promise<T> {
  const response = await client.request<T>({
    method: 'POST',
    path: `/${target}/_search`,
    query: { ignore_unavailable: true, allow_no_indices: true, request_cache: true },
    body,
  });
  assertComplete(response.body, 'aggregation');
  return response.body;
}

/** Every bucket of a composite aggregation, page by page (exact, unlike `terms`). */
async function compositeAll(
  client: EsHttpClient,
  target: string,
  query: Query,
  sources: Record<string, { field: KeywordField; missingBucket?: boolean }>,
  durationField: string,
  percentiles: RankRounding | undefined,
): Promise<CompositeBucket[]> {
  const buckets: CompositeBucket[] = [];
  let after: Record<string, unknown> | undefined;
  for (;;) {
    const body = await aggregate<{
      aggregations?: { groups: { buckets: CompositeBucket[]; after_key?: Record<string, unknown> } };
    }>(client, target, {
      size: 0,
      track_total_hits: false,
      query,
      aggs: {
        groups: {
          composite: {
            size: COMPOSITE_PAGE,
            sources: Object.entries(sources).map(([name, { field, missingBucket }]) => ({
              [name]: { terms: { ...keywordSource(field), ...(missingBucket ? { missing_bucket: true } : {}) } },
            })),
            ...(after ? { after } : {}),
          },
          aggs: { dur: durationAgg(durationField, percentiles) },
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
  app?: string,
  limits?: SummaryLimits,
): Promise<SummaryStats> {
  const query = rangeQuery(fields, range, app === undefined ? [] : [keywordTerms(fields.app, [app])]);
  const body = await aggregate<{
    hits: { total: { value: number } | number };
    aggregations?: { dur: DurationAggBody };
  }>(client, target, {
    size: 0,
    track_total_hits: true,
    query,
    aggs: { dur: durationAgg(fields.duration, undefined) },
  });
  const total = typeof body.hits.total === 'number' ? body.hits.total : body.hits.total.value;
  const overall = body.aggregations ? readDuration(body.aggregations.dur, fields) : undefined;
  const apps = await compositeAll(client, target, query, { app: { field: fields.app } }, fields.duration, undefined);
  const levelBuckets = await compositeAll(
    client,
    target,
    query,
    { level: { field: fields.level, missingBucket: true } },
    fields.duration,
    undefined,
  );
  const levels = new Map<string, number>();
  for (const bucket of levelBuckets) {
    // As the embedded store: lower case ("INFO" and "info" are one level), none is "unknown".
    const raw = bucket.key.level;
    const level = raw === null || raw === '' ? UNKNOWN_LEVEL : String(raw).toLowerCase();
    levels.set(level, (levels.get(level) ?? 0) + bucket.doc_count);
  }
  const byApp = apps
    .filter((bucket) => bucket.key.app !== '')
    .map((bucket) => {
      const d = readDuration(bucket.dur, fields);
      return { app: String(bucket.key.app), count: bucket.doc_count, durationCount: d.count, durationSumMs: d.sumMs };
    })
    .sort(byCountThenName((a) => a.app));
  const levelList = [...levels.entries()]
    .map(([level, count]) => ({ level, count }))
    .sort(byCountThenName((a) => a.level));
  return {
    totalLogs: total,
    durationCount: overall?.count ?? 0,
    durationSumMs: overall?.sumMs ?? 0,
    byApp: limits ? byApp.slice(0, limits.apps) : byApp,
    appsTotal: byApp.length,
    levels: limits ? levelList.slice(0, limits.levels) : levelList,
    levelsTotal: levelList.length,
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
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new RangeError('interval must be a positive integer');
  if (range.to <= range.from) return [];
  const firstBucket = Math.floor(range.from / intervalMs) * intervalMs;
  if ((range.to - firstBucket) / intervalMs > MAX_HISTOGRAM_BUCKETS) {
    throw new RangeError(`more than ${MAX_HISTOGRAM_BUCKETS} buckets; choose a longer interval`);
  }
  const query = rangeQuery(fields, range, app === undefined ? [] : [keywordTerms(fields.app, [app])]);
  const body = await aggregate<{
    aggregations?: { series: { buckets: { key: number; doc_count: number; dur: DurationAggBody }[] } };
  }>(client, target, {
    size: 0,
    track_total_hits: false,
    query,
    aggs: {
      series: {
        // Fixed intervals in UTC are aligned to the epoch, as the embedded store's buckets are.
        date_histogram: { field: fields.timestamp, fixed_interval: `${intervalMs}ms`, min_doc_count: 1 },
        aggs: { dur: durationAgg(fields.duration, fields.rounding) },
      },
    },
  });
  const found = new Map<number, BucketStats>();
  for (const bucket of body.aggregations?.series.buckets ?? []) {
    const d = readDuration(bucket.dur, fields);
    found.set(bucket.key, { start: bucket.key, count: bucket.doc_count, avgMs: avg(d), p95Ms: d.p95Ms });
  }
  // Every bucket of the range, empty ones too, as the embedded store answers.
  const series: BucketStats[] = [];
  for (let start = firstBucket; start < range.to; start += intervalMs) {
    series.push(found.get(start) ?? { start, count: 0, avgMs: null, p95Ms: null });
  }
  return series;
}

export async function appStatistics(
  client: EsHttpClient,
  target: string,
  fields: AggregationFields,
  range: TimeRange,
  keysPerApp: number,
  onlyApps?: readonly string[],
): Promise<AppStats[]> {
  // Only some apps (a page of them): their (app, key) groups alone are walked.
  const query = rangeQuery(fields, range, onlyApps === undefined ? [] : [keywordTerms(fields.app, [...onlyApps])]);
  const apps = await compositeAll(
    client,
    target,
    query,
    { app: { field: fields.app } },
    fields.duration,
    fields.rounding,
  );
  const keys =
    keysPerApp > 0
      ? await compositeAll(
          client,
          target,
          query,
          { app: { field: fields.app }, key: { field: fields.messageKey } },
          fields.duration,
          fields.rounding,
        )
      : [];
  const keysByApp = new Map<string, AppStats['slowestKeys']>();
  for (const bucket of keys) {
    if (bucket.key.key === '') continue;
    const app = String(bucket.key.app);
    const d = readDuration(bucket.dur, fields);
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
    .filter((bucket) => bucket.key.app !== '')
    .map((bucket) => {
      const app = String(bucket.key.app);
      const d = readDuration(bucket.dur, fields);
      return {
        app,
        count: bucket.doc_count,
        avgMs: avg(d),
        p95Ms: d.p95Ms,
        maxMs: d.maxMs,
        slowestKeys: (keysByApp.get(app) ?? []).sort(bySlowest).slice(0, keysPerApp),
      };
    })
    .sort(byCountThenName((a) => a.app));
}

/** localeCompare's order at a fraction of its cost over 100,000 names. */
const collator = new Intl.Collator();

/** The embedded store's orders, so that both sources list the same things in the same order. */
function byCountThenName<T extends { count: number }>(name: (item: T) => string) {
  return (a: T, b: T) => b.count - a.count || collator.compare(name(a), name(b));
}

/** p95 descending (logs without durations last), then the key. */
function bySlowest(a: { messageKey: string; p95Ms: number | null }, b: { messageKey: string; p95Ms: number | null }) {
  return (b.p95Ms ?? -1) - (a.p95Ms ?? -1) || collator.compare(a.messageKey, b.messageKey);
}
