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
  'opensearch-pit': 'windows are read with an OpenSearch point in time and search_after (_shard_doc)',
  scroll: 'windows are read with scroll sorted by _doc (no _shard_doc on this version)',
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
    const server = await fetchServerInfo(client);
    report.distribution = server.distribution;
    report.version = server.version;
    report.notes.push(`${describeServer(server)}: ${PAGING_NOTES[server.paging]}`);
    if (server.productHeaderMissing) {
      report.notes.push('the x-elastic-product header is missing (a proxy may strip it; lagwatch does not need it)');
    }
    await step(report, async () => {
      const { body } = await client!.request<{ status?: string }>({ method: 'GET', path: '/_cluster/health' });
      report.clusterHealth = body.status;
      if (body.status === 'red') report.problems.push('cluster health is red: some primary shards are unassigned');
    });
    await step(report, async () => {
      const { body } = await client!.request<{ index: string; 'docs.count': string | null }[]>({
        method: 'GET',
        path: `/_cat/indices/${target}`,
        query: { format: 'json', h: 'index,docs.count', s: 'index' },
      });
      report.indices = body.map((row) => ({ name: row.index, docs: Number(row['docs.count'] ?? 0) }));
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

async function step(report: ElasticsearchCheckReport, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    report.problems.push((error as Error).message);
  }
}
