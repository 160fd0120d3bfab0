import { describeErrorBody } from './errors.js';
import type { EsHttpClient } from './http-client.js';

export type Distribution = 'elasticsearch' | 'opensearch';

/** How the adapter reads a window page by page on this server. */
export type PagingMode =
  /** Elasticsearch 7.12+: `/_pit`, `search_after` with the `_shard_doc` tiebreaker. */
  | 'es-pit'
  /** OpenSearch and Elasticsearch before 7.12: scroll sorted by `_doc`. */
  | 'scroll';

export interface ServerInfo {
  distribution: Distribution;
  version: string;
  major: number;
  minor: number;
  clusterName: string | undefined;
  clusterUuid: string | undefined;
  /** Elasticsearch 7.14+ must answer `x-elastic-product: Elasticsearch`; false when it did not. */
  productHeaderMissing: boolean;
  paging: PagingMode;
  /** False when `GET /` was refused (no `monitor` privilege): the version is then inferred. */
  versionKnown: boolean;
}

interface RootBody {
  cluster_name?: string;
  cluster_uuid?: string;
  version?: { number?: string; distribution?: string };
}

/**
 * Reads `GET /` once: distribution, version, and from them the paging mode. `GET /` needs the
 * `monitor` cluster privilege, which a log reader need not have: on 403 the distribution is told
 * by the product header or the security layer's wording, and what the version decides by what
 * the reader may do (see `inferWithoutMonitor`).
 */
export async function fetchServerInfo(client: EsHttpClient, target: string): Promise<ServerInfo> {
  const { status, body, headers } = await client.request<RootBody>({ method: 'GET', path: '/', acceptStatuses: [403] });
  if (status === 403) return inferWithoutMonitor(client, target, body, headers.get('x-elastic-product'));
  return parseServerInfo(body, headers.get('x-elastic-product'));
}

/**
 * Without `GET /`: Elasticsearch 7.14+ sends its product header on every answer (PIT and
 * `_shard_doc` then exist); OpenSearch words refusals "no permissions for", and a point in time
 * that opens says 2.4+. Anything else is read with scroll, which every version has.
 */
async function inferWithoutMonitor(
  client: EsHttpClient,
  target: string,
  refusal: unknown,
  productHeader: string | null,
): Promise<ServerInfo> {
  const reason = describeErrorBody(refusal).reason ?? '';
  const unknown = { clusterName: undefined, clusterUuid: undefined, productHeaderMissing: false, versionKnown: false };
  if (productHeader === 'Elasticsearch') {
    return {
      distribution: 'elasticsearch',
      version: '7.14 or later',
      major: 7,
      minor: 14,
      paging: 'es-pit',
      ...unknown,
    };
  }
  if (!/no permissions for/.test(reason)) {
    return { distribution: 'elasticsearch', version: 'before 7.14', major: 7, minor: 10, paging: 'scroll', ...unknown };
  }
  const pit = await client.request<{ pit_id?: string }>({
    method: 'POST',
    path: `/${target}/_search/point_in_time`,
    query: { keep_alive: '10s' },
    acceptStatuses: [400, 403, 404, 405],
    maxRetries: 0,
  });
  if (typeof pit.body?.pit_id === 'string') {
    await client.request({
      method: 'DELETE',
      path: '/_search/point_in_time',
      body: { pit_id: [pit.body.pit_id] },
      acceptStatuses: [404],
    });
    // 2.4+ has points in time; _shard_doc (3.3+) cannot be told apart, so windows use scroll.
    return { distribution: 'opensearch', version: '2.4 or later', major: 2, minor: 4, paging: 'scroll', ...unknown };
  }
  return { distribution: 'opensearch', version: 'before 2.4', major: 1, minor: 0, paging: 'scroll', ...unknown };
}

export function parseServerInfo(body: RootBody, productHeader: string | null): ServerInfo {
  const version = body.version?.number;
  const match = typeof version === 'string' ? /^(\d+)\.(\d+)/.exec(version) : null;
  if (!version || !match) {
    throw new Error('GET / did not answer a version number: is this Elasticsearch or OpenSearch?');
  }
  const distribution: Distribution = body.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return {
    distribution,
    version,
    major,
    minor,
    clusterName: body.cluster_name,
    clusterUuid: body.cluster_uuid,
    productHeaderMissing:
      distribution === 'elasticsearch' && atLeast(major, minor, 7, 14) && productHeader !== 'Elasticsearch',
    paging: pagingModeFor(distribution, major, minor),
    versionKnown: true,
  };
}

export function pagingModeFor(distribution: Distribution, major: number, minor: number): PagingMode {
  if (distribution === 'elasticsearch') return atLeast(major, minor, 7, 12) ? 'es-pit' : 'scroll';
  // OpenSearch 3.3+ has `_shard_doc`, but (3.8, seen on the real server) its sort values are the
  // document number within its shard without the shard: search_after across shards skips
  // documents. Scroll pages every OpenSearch version exactly.
  return 'scroll';
}

function atLeast(major: number, minor: number, wantMajor: number, wantMinor: number): boolean {
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

export function describeServer(info: ServerInfo): string {
  const name = info.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch';
  if (!info.versionKnown) return `${name} ${info.version} (GET / refused: no monitor privilege, version inferred)`;
  return `${name} ${info.version}`;
}
