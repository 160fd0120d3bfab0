import type { Config } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import { checkFields, type FieldCheck } from './field-check.js';
import type { EsHttpClient } from './http-client.js';
import type { Distribution } from './server-info.js';
import { describeServer, fetchServerInfo } from './server-info.js';
import { type ClientTuning, clientFor } from './source.js';
import { indexPatterns, indexTarget } from './target.js';

/** What `lagwatch check:elasticsearch` prints. */
export interface ElasticsearchCheckReport {
  ok: boolean;
  distribution: Distribution | undefined;
  version: string | undefined;
  /** `green`, `yellow`, `red`, or undefined when unknown. */
  clusterHealth: string | undefined;
  indices: { name: string; docs: number }[];
  fieldCheck: FieldCheck[];
  /** Each names one thing that is wrong; empty when ok. */
  problems: string[];
  /** Facts worth showing that are not problems (paging mode, a missing product header). */
  notes: string[];
}

const PAGING_NOTES = {
  'es-pit': 'windows are read with a point in time and search_after (_shard_doc)',
  scroll: 'windows are read with scroll sorted by _doc',
} as const;

/** Connects, and reports version, cluster health, matched indices and the field mapping check. */
export async function checkElasticsearch(
  config: Config,
  logger: Logger,
  tuning: ClientTuning = {},
): Promise<ElasticsearchCheckReport> {
  const report: ElasticsearchCheckReport = {
    ok: false,
    distribution: undefined,
    version: undefined,
    clusterHealth: undefined,
    indices: [],
    fieldCheck: [],
    problems: [],
    notes: [],
  };
  let client: EsHttpClient | undefined;
  try {
    const target = indexTarget(config.elasticsearch);
    client = await clientFor(config, logger, { maxRetries: 1, ...tuning });
    const server = await fetchServerInfo(client, target);
    report.distribution = server.distribution;
    report.version = server.version;
    report.notes.push(`${describeServer(server)}: ${PAGING_NOTES[server.paging]}`);
    if (server.productHeaderMissing) {
      report.notes.push('the x-elastic-product header is missing (a proxy may strip it; lagwatch does not need it)');
    }
    if (!server.versionKnown) report.notes.push(MONITOR_NOTE);
    await step(report, async () => {
      const { status, body } = await client!.request<{ status?: string }>({
        method: 'GET',
        path: '/_cluster/health',
        acceptStatuses: [403],
      });
      if (status === 403) return;
      report.clusterHealth = body.status;
      if (body.status === 'red') report.problems.push('cluster health is red: some primary shards are unassigned');
    });
    await step(report, async () => {
      report.indices = await indexDocCounts(client!, target);
      if (report.indices.length === 0) {
        report.problems.push(`no index matches ${indexPatterns(config.elasticsearch).join(',')}`);
      }
    });
    await step(report, async () => {
      const fields = await checkFields(client!, target, config.fields);
      report.fieldCheck = fields.checks;
      for (const check of fields.checks) if (!check.ok) report.problems.push(check.message);
      const hasDocs = report.indices.some((i) => i.docs > 0);
      for (const role of ['timestamp', 'duration'] as const) {
        if (hasDocs && fields.unmapped.includes(role)) {
          report.problems.push(
            `${config.fields[role]} is not mapped in any matched index although they hold documents: check FIELD_${role === 'timestamp' ? 'TIMESTAMP' : 'DURATION'} and LOG_FIELDS`,
          );
        }
      }
    });
  } catch (error) {
    report.problems.push((error as Error).message);
  } finally {
    await client?.close();
  }
  report.ok = report.problems.length === 0;
  return report;
}

const MONITOR_NOTE =
  'the user lacks the monitor cluster privilege: version and cluster health are not visible (lagwatch does not need them)';

/** Documents per matched index: `_cat/indices` when allowed, else counted by a search (index `read` suffices). */
async function indexDocCounts(client: EsHttpClient, target: string): Promise<{ name: string; docs: number }[]> {
  const cat = await client.request<{ index: string; 'docs.count': string | null }[]>({
    method: 'GET',
    path: `/_cat/indices/${target}`,
    query: { format: 'json', h: 'index,docs.count', s: 'index' },
    acceptStatuses: [403],
  });
  if (cat.status !== 403) return cat.body.map((row) => ({ name: row.index, docs: Number(row['docs.count'] ?? 0) }));
  const { body } = await client.request<{
    aggregations?: { indices: { buckets: { key: string; doc_count: number }[] } };
  }>({
    method: 'POST',
    path: `/${target}/_search`,
    query: { ignore_unavailable: true, allow_no_indices: true },
    body: { size: 0, track_total_hits: false, aggs: { indices: { terms: { field: '_index', size: 10_000 } } } },
  });
  return (body.aggregations?.indices.buckets ?? [])
    .map((b) => ({ name: b.key, docs: b.doc_count }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function step(report: ElasticsearchCheckReport, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    report.problems.push((error as Error).message);
  }
}
