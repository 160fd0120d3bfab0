import type { DurationUnit } from '../../config/config.js';
import type { LogRecord } from '../log-record.js';
import type { TimeRange, TraceSummary } from '../source.js';
import { assertComplete } from './errors.js';
import type { EsHttpClient } from './http-client.js';
import { type KeywordField, keywordSource, keywordTerms } from './keyword-field.js';
import type { Hit } from './paging.js';
import { type Query, timeRange, toMs } from './queries.js';

export interface SlowestTraceFields {
  timestamp: string;
  duration: string;
  unit: DurationUnit;
  app: KeywordField;
  correlationId: KeywordField;
}

interface TraceBucket {
  key: string | number;
  doc_count: number;
  max_duration: { value: number | null };
  slowest: { hits: { hits: Hit[] } };
}

/**
 * The slowest correlation ids of a range in one search: a `terms` aggregation on the id,
 * ordered by each id's worst duration (then by id), with that worst log as a `top_hits`.
 * Ordering by a `max` is exact across shards (the id's maximum lives on one shard, where it
 * ranks at least as high); `doc_count` can miss logs of shards where the id ranked below
 * `shard_size`.
 */
export async function slowestTraces(
  client: EsHttpClient,
  target: string,
  fields: SlowestTraceFields,
  range: TimeRange,
  limit: number,
  app: string | undefined,
  toRecords: (hits: Hit[]) => LogRecord[],
): Promise<TraceSummary[]> {
  const filter: Query[] = [timeRange(fields.timestamp, range)];
  if (app !== undefined) filter.push(keywordTerms(fields.app, [app]));
  const { body } = await client.request<{ aggregations?: { traces: { buckets: TraceBucket[] } } }>({
    method: 'POST',
    path: `/${target}/_search`,
    query: { ignore_unavailable: true, allow_no_indices: true, request_cache: true },
    body: {
      size: 0,
      track_total_hits: false,
      query: { bool: { filter } },
      aggs: {
        traces: {
          terms: {
            ...keywordSource(fields.correlationId),
            size: limit,
            order: [{ max_duration: 'desc' }, { _key: 'asc' }],
          },
          aggs: {
            max_duration: { max: { field: fields.duration } },
            slowest: {
              top_hits: {
                size: 1,
                // numeric_type: indices mapping the duration as float and as long sort together (else a ClassCastException).
                sort: [{ [fields.duration]: { order: 'desc', unmapped_type: 'double', numeric_type: 'double' } }],
              },
            },
          },
        },
      },
    },
  });
  assertComplete(body, 'slowest traces');
  const out: TraceSummary[] = [];
  for (const bucket of body.aggregations?.traces.buckets ?? []) {
    const max = bucket.max_duration.value;
    // Ordered by the maximum: once one has none (or only negative ones), so have the rest.
    if (max === null || max < 0) break;
    const [slowest] = toRecords(bucket.slowest.hits.hits);
    if (!slowest) continue;
    out.push({ correlationId: String(bucket.key), logs: bucket.doc_count, maxMs: toMs(max, fields.unit), slowest });
  }
  return out;
}
