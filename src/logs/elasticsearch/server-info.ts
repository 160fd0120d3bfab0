import type { EsHttpClient } from './http-client.js';

export type Distribution = 'elasticsearch' | 'opensearch';

/** How the adapter reads a window page by page on this server. */
export type PagingMode =
  /** Elasticsearch 7.12+: `/_pit`, `search_after` with the `_shard_doc` tiebreaker. */
  | 'es-pit'
  /** OpenSearch 3.3+: `/_search/point_in_time`, `search_after` with `_shard_doc`. */
  | 'opensearch-pit'
  /** Everything older: scroll sorted by `_doc`. */
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
}

interface RootBody {
  cluster_name?: string;
  cluster_uuid?: string;
  version?: { number?: string; distribution?: string };
}

/** Reads `GET /` once: distribution, version, and from them the paging mode. */
export async function fetchServerInfo(client: EsHttpClient): Promise<ServerInfo> {
  const { body, headers } = await client.request<RootBody>({ method: 'GET', path: '/' });
  return parseServerInfo(body, headers.get('x-elastic-product'));
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
  };
}

export function pagingModeFor(distribution: Distribution, major: number, minor: number): PagingMode {
  if (distribution === 'elasticsearch') return atLeast(major, minor, 7, 12) ? 'es-pit' : 'scroll';
  return atLeast(major, minor, 3, 3) ? 'opensearch-pit' : 'scroll';
}

function atLeast(major: number, minor: number, wantMajor: number, wantMinor: number): boolean {
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

export function describeServer(info: ServerInfo): string {
  const name = info.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch';
  return `${name} ${info.version}`;
}
