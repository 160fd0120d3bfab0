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

/** Searches in flight at once for one call (one search per query). */
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

interface WindowAnswer {
  hits?: { total?: { value: number } | number };
  aggregations?: {
    dur?: DurationBody;
    keys?: { buckets: { key: string | number; doc_count: number; dur: DurationBody }[] };
  };
}

/**
 * Window statistics (see ../window-stats.ts) with one `size: 0` search per query, never one per
 * series: the app (and key) and the range as filters, a `terms` aggregation on the message key for
 * per-key queries (busiest first: most durations, then key), and per series the duration
 * figures: `stats` (count, sum, max: exact), HDR `percentiles` mapped onto the shared definition
 * (see percentiles.ts), and `filter` aggregations counting durations above a threshold (exact).
 * Up to CONCURRENT_SEARCHES searches run at once, each bounded by the client's request timeout;
 * partial results (failed shards, timed out) are refused.
 */
export async function windowStatistics(
  client: EsHttpClient,
  target: string,
  fields: WindowFields,
  queries: readonly WindowQuery[],
): Promise<WindowSeries[][]> {
  for (const query of queries) assertWindowQuery(query);
  const answers: WindowSeries[][] = new Array(queries.length);
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const index = next++;
      answers[index] = await answerOne(client, target, fields, queries[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_SEARCHES, queries.length) }, worker));
  return answers;
}

async function answerOne(
  client: EsHttpClient,
  target: string,
  fields: WindowFields,
  query: WindowQuery,
): Promise<WindowSeries[]> {
  const perKey = isPerKey(query);
  if (query.range.to <= query.range.from || (perKey && query.maxSeries === 0)) {
    return perKey ? [] : [emptySeries(query)];
  }
  const { body } = await client.request<WindowAnswer>({
    method: 'POST',
    path: `/${target}/_search`,
    query: { ignore_unavailable: true, allow_no_indices: true },
    body: windowSearch(fields, query),
  });
  assertComplete(body, 'window statistics');
  if (!perKey) {
    const total = body.hits?.total;
    const logs = typeof total === 'number' ? total : (total?.value ?? 0);
    return [toSeries(query, query.messageKey, logs, body.aggregations?.dur, fields)];
  }
  return (body.aggregations?.keys?.buckets ?? [])
    .filter((bucket) => bucket.key !== '')
    .map((bucket) => toSeries(query, String(bucket.key), bucket.doc_count, bucket.dur, fields))
    .sort(busiestFirst)
    .slice(0, query.maxSeries);
}

/** The search body of one query (exported for tests). */
export function windowSearch(fields: WindowFields, query: WindowQuery): Query {
  // The exact window (not rounded to seconds as the dashboard's ranges): rules compare it with the embedded store's.
  const window = scanWindow(fields.timestamp, query.byIngestTime ? fields.ingested : undefined, query.range);
  const filter: Query[] = [window, keywordTerms(fields.app, [query.app])];
  if (query.messageKey !== null) filter.push(keywordTerms(fields.messageKey, [query.messageKey]));
  const series = seriesAggregations(fields, query);
  if (!isPerKey(query)) return { size: 0, track_total_hits: true, query: { bool: { filter } }, aggs: series };
  // One more than asked: a key '' (a document with an empty key, which the embedded store keeps as none) is left out.
  const size = query.maxSeries + 1;
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter } },
    aggs: {
      keys: {
        terms: {
          ...keywordSource(fields.messageKey),
          size,
          shard_size: Math.max(MIN_SHARD_SIZE, size * 2),
          order: [{ 'dur>stats.count': 'desc' }, { _key: 'asc' }],
        },
        aggs: series,
      },
    },
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
