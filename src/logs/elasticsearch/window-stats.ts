import type { DurationUnit } from '../../config/config.js';
import { assertWindowQuery, busiestFirst, emptySeries, isPerKey, percentileOf } from '../window-query.js';
import type { WindowQuery, WindowSeries } from '../window-stats.js';
import { assertComplete } from './errors.js';
import type { EsHttpClient } from './http-client.js';
import { type KeywordField, keywordSource, keywordTerms } from './keyword-field.js';
import { type PercentileAnswer, percentileAggregation, type RankRounding, readPercentile } from './percentiles.js';
import { durationAbove, durationPresent, type Query, scanWindow, toMs } from './queries.js';

export interface WindowFields {
  timestamp: string;
  /** FIELD_INGESTED, when configured: `byIngestTime` queries go by it. */
  ingested: string | undefined;
  duration: string;
  unit: DurationUnit;
  app: KeywordField;
  messageKey: KeywordField;
  rounding: RankRounding;
}

/** Searches in flight at once for one call. */
const CONCURRENT_SEARCHES = 4;
/**
 * Keys each shard returns for a per-key query, at least. Ordered by a sub-aggregation, `terms`
 * is exact when every shard returns every key of the app in the window: so up to this many keys
 * per shard (far more than the busiest 200 a rule judges).
 */
const MIN_SHARD_SIZE = 1000;

interface DurationBody {
  doc_count: number;
  stats: { count: number; sum: number; max: number | null };
  pct?: PercentileAnswer;
  slow?: { doc_count: number };
  above?: { doc_count: number };
}

interface QueryAnswer {
  doc_count: number;
  dur?: DurationBody;
  keys?: { buckets: { key: string | number; doc_count: number; dur: DurationBody }[] };
}

interface WindowAnswer {
  aggregations?: Record<string, QueryAnswer>;
}

/**
 * Window statistics (see ../window-stats.ts) in `size: 0` searches, at most one per query and
 * never one per series: queries over the same window (a scan's rules all end theirs at its upper
 * bound) share a search, each as a `filter` aggregation on its app (and key) holding, for per-key
 * queries, a `terms` aggregation on the message key (busiest first: most durations, then key),
 * and per series the duration figures: `stats` (count, sum, max: exact), HDR `percentiles`
 * mapped onto the shared definition (see percentiles.ts), and `filter` aggregations counting
 * durations above a threshold (exact). A search holds at most MAX_QUERIES_PER_SEARCH queries and
 * MAX_BUCKETS_PER_SEARCH buckets (far below `search.max_buckets`); up to CONCURRENT_SEARCHES run
 * at once, each bounded by the client's request timeout; partial results (failed shards, timed
 * out) are refused.
 */
export async function windowStatistics(
  client: EsHttpClient,
  target: string,
  fields: WindowFields,
  queries: readonly WindowQuery[],
): Promise<WindowSeries[][]> {
  for (const query of queries) assertWindowQuery(query);
  const answers: WindowSeries[][] = queries.map((query) => (isPerKey(query) ? [] : [emptySeries(query)]));
  const searches = planSearches(fields, queries);
  let next = 0;
  const worker = async () => {
    while (next < searches.length) {
      const indices = searches[next++]!;
      const group = indices.map((i) => queries[i]!);
      const { body } = await client.request<WindowAnswer>({
        method: 'POST',
        path: `/${target}/_search`,
        query: { ignore_unavailable: true, allow_no_indices: true },
        body: windowSearch(fields, group),
      });
      assertComplete(body, 'window statistics');
      group.forEach((query, j) => {
        answers[indices[j]!] = readQuery(query, body.aggregations?.[`q${j}`], fields);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_SEARCHES, searches.length) }, worker));
  return answers;
}

/** Queries in a search, at most. */
const MAX_QUERIES_PER_SEARCH = 100;
/** Buckets a search may ask for (filters and terms), at most: `search.max_buckets` is 65,535. */
const MAX_BUCKETS_PER_SEARCH = 20_000;

const bucketsOf = (query: WindowQuery) => 1 + (isPerKey(query) ? query.maxSeries + 1 : 0);

/**
 * The searches to send, as lists of query indices: queries over the same window (and time field)
 * together, in order, within the limits. Queries that need no search (an empty range, no series
 * asked for) are left out: their empty answers stand.
 */
export function planSearches(fields: WindowFields, queries: readonly WindowQuery[]): number[][] {
  const byWindow = new Map<string, number[][]>();
  const searches: number[][] = [];
  queries.forEach((query, index) => {
    if (query.range.to <= query.range.from || (isPerKey(query) && query.maxSeries === 0)) return;
    const ingest = query.byIngestTime === true && fields.ingested !== undefined;
    const id = `${query.range.from}:${query.range.to}:${ingest}`;
    let open = byWindow.get(id);
    if (!open) {
      open = [];
      byWindow.set(id, open);
    }
    let current = open.at(-1);
    const buckets = (list: number[]) => list.reduce((n, i) => n + bucketsOf(queries[i]!), 0);
    if (
      !current ||
      current.length >= MAX_QUERIES_PER_SEARCH ||
      buckets(current) + bucketsOf(query) > MAX_BUCKETS_PER_SEARCH
    ) {
      current = [];
      open.push(current);
      searches.push(current);
    }
    current.push(index);
  });
  return searches;
}

function readQuery(query: WindowQuery, answer: QueryAnswer | undefined, fields: WindowFields): WindowSeries[] {
  if (!isPerKey(query)) return [toSeries(query, query.messageKey, answer?.doc_count ?? 0, answer?.dur, fields)];
  return (answer?.keys?.buckets ?? [])
    .filter((bucket) => bucket.key !== '')
    .map((bucket) => toSeries(query, String(bucket.key), bucket.doc_count, bucket.dur, fields))
    .sort(busiestFirst)
    .slice(0, query.maxSeries);
}

/** The search body for queries over one window (exported for tests). */
export function windowSearch(fields: WindowFields, queries: readonly WindowQuery[]): Query {
  const first = queries[0]!;
  // The exact window (not rounded to seconds as the dashboard's ranges): rules compare it with the embedded store's.
  const window = scanWindow(fields.timestamp, first.byIngestTime ? fields.ingested : undefined, first.range);
  const apps = [...new Set(queries.map((q) => q.app))].sort();
  const aggs: Record<string, Query> = {};
  queries.forEach((query, j) => {
    const filter: Query[] = [keywordTerms(fields.app, [query.app])];
    if (query.messageKey !== null) filter.push(keywordTerms(fields.messageKey, [query.messageKey]));
    const series = seriesAggregations(fields, query);
    // One more than asked: a key '' (a document with an empty key, which the embedded store keeps as none) is left out.
    const size = query.maxSeries + 1;
    aggs[`q${j}`] = {
      filter: { bool: { filter } },
      aggs: isPerKey(query)
        ? {
            keys: {
              terms: {
                ...keywordSource(fields.messageKey),
                size,
                shard_size: Math.max(MIN_SHARD_SIZE, size * 2),
                order: [{ 'dur>stats.count': 'desc' }, { _key: 'asc' }],
              },
              aggs: series,
            },
          }
        : series,
    };
  });
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter: [window, keywordTerms(fields.app, apps)] } },
    aggs,
  };
}

/** Over the logs with a duration (as the embedded store counts them): what the statistic needs. */
function seriesAggregations(fields: WindowFields, query: WindowQuery): Query {
  const field = fields.duration;
  const q = percentileOf(query.statistic);
  const aggs: Record<string, Query> = { stats: { stats: { field } } };
  if (q !== undefined) aggs.pct = percentileAggregation(field, fields.rounding, q);
  if (query.statistic === 'slow_ratio') aggs.slow = { filter: durationAbove(field, query.slowMs!, fields.unit) };
  if (query.countAboveMs !== undefined) {
    aggs.above = { filter: durationAbove(field, query.countAboveMs, fields.unit) };
  }
  return { dur: { filter: durationPresent(field), aggs } };
}

function toSeries(
  query: WindowQuery,
  messageKey: string | null,
  logs: number,
  dur: DurationBody | undefined,
  fields: WindowFields,
): WindowSeries {
  const samples = dur?.stats.count ?? 0;
  const above = query.countAboveMs === undefined ? {} : { above: dur?.above?.doc_count ?? 0 };
  if (!dur || samples === 0) return { messageKey, logs, samples: 0, value: null, ...above };
  const maxMs = dur.stats.max === null ? null : toMs(dur.stats.max, fields.unit);
  let value: number | null;
  switch (query.statistic) {
    case 'avg':
      value = toMs(dur.stats.sum, fields.unit) / samples;
      break;
    case 'max':
      value = maxMs;
      break;
    case 'slow_ratio':
      value = ((dur.slow?.doc_count ?? 0) / samples) * 100;
      break;
    default:
      value = readPercentile(dur.pct, samples, fields.rounding, fields.unit, maxMs, percentileOf(query.statistic));
  }
  return { messageKey, logs, samples, value, ...above };
}
