import type { Logger } from '../../logging/logger.js';
import { assertComplete, ElasticsearchError } from './errors.js';
import type { EsHttpClient } from './http-client.js';
import type { Query } from './queries.js';
import type { PagingMode } from './server-info.js';

export interface Hit {
  _index: string;
  _id: string;
  _source?: unknown;
  sort?: unknown[];
}

interface SearchBody {
  hits?: { hits?: Hit[] };
  pit_id?: string;
  _scroll_id?: string;
}

export interface PageRequest {
  /** Encoded index target (`logs-*`). */
  target: string;
  query: Query;
  pageSize: number;
}

const KEEP_ALIVE = '1m';

/**
 * Every hit of a query, page by page, from one consistent snapshot: an Elasticsearch point in
 * time with `search_after` on `_shard_doc`, or a scroll sorted by `_doc`. The PIT or scroll
 * is closed when the iteration ends, fails or is abandoned.
 */
export function readPages(
  client: EsHttpClient,
  mode: PagingMode,
  request: PageRequest,
  logger: Logger,
): AsyncGenerator<Hit[]> {
  return mode === 'scroll' ? scrollPages(client, request, logger) : pitPages(client, request, logger);
}

/** True for the error older OpenSearch (and Elasticsearch < 7.12) gives for a `_shard_doc` sort. */
export function isShardDocUnsupported(error: unknown): boolean {
  return error instanceof ElasticsearchError && /_shard_doc/.test(`${error.reason ?? ''} ${error.message}`);
}

async function* pitPages(client: EsHttpClient, request: PageRequest, logger: Logger): AsyncGenerator<Hit[]> {
  let pitId = await openPit(client, request.target, logger);
  try {
    let searchAfter: unknown[] | undefined;
    for (;;) {
      const { body } = await client.request<SearchBody>({
        method: 'POST',
        path: '/_search',
        body: {
          size: request.pageSize,
          query: request.query,
          pit: { id: pitId, keep_alive: KEEP_ALIVE },
          // Index order alone: a window needs every hit, not time order, and `_shard_doc` values are
          // exact in JSON, unlike date_nanos sort values (above 2^53), which would page inexactly.
          sort: [{ _shard_doc: 'asc' }],
          track_total_hits: false,
          ...(searchAfter ? { search_after: searchAfter } : {}),
        },
      });
      // The id may change with every answer; the newest one must be sent next and closed.
      if (typeof body.pit_id === 'string') pitId = body.pit_id;
      assertComplete(body, 'search_after page');
      const hits = body.hits?.hits ?? [];
      if (hits.length === 0) return;
      yield hits;
      if (hits.length < request.pageSize) return;
      searchAfter = hits[hits.length - 1]!.sort;
      if (!searchAfter) throw new Error('search_after paging: the server answered hits without sort values');
    }
  } finally {
    await closePit(client, pitId, logger);
  }
}

/** Elasticsearch's point in time; one opened over some failed shards would hide their logs. */
async function openPit(client: EsHttpClient, target: string, logger: Logger): Promise<string> {
  const { body } = await client.request<{ id?: string }>({
    method: 'POST',
    path: `/${target}/_pit`,
    query: { keep_alive: KEEP_ALIVE, ignore_unavailable: true },
  });
  if (typeof body.id !== 'string') throw new Error('opening a point in time: no id in the answer');
  try {
    assertComplete(body, 'opening a point in time');
  } catch (error) {
    await closePit(client, body.id, logger);
    throw error;
  }
  return body.id;
}

async function closePit(client: EsHttpClient, pitId: string, logger: Logger): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path: '/_pit', body: { id: pitId }, acceptStatuses: [404] });
  } catch (error) {
    // It expires after keep_alive anyway; a failed close must not hide the scan's own outcome.
    logger.warn({ err: (error as Error).message }, 'closing a point in time failed; it expires after 1 minute');
  }
}

async function* scrollPages(client: EsHttpClient, request: PageRequest, logger: Logger): AsyncGenerator<Hit[]> {
  const first = await client.request<SearchBody>({
    method: 'POST',
    path: `/${request.target}/_search`,
    query: { scroll: KEEP_ALIVE, ignore_unavailable: true, allow_no_indices: true },
    body: { size: request.pageSize, query: request.query, sort: ['_doc'] },
  });
  let scrollId = first.body._scroll_id;
  try {
    assertComplete(first.body, 'scroll');
    let hits = first.body.hits?.hits ?? [];
    while (hits.length > 0) {
      yield hits;
      if (scrollId === undefined) return;
      const next = await client.request<SearchBody>({
        method: 'POST',
        path: '/_search/scroll',
        body: { scroll: KEEP_ALIVE, scroll_id: scrollId },
        // A lost answer may have moved the scroll on: only a refused request is sent again.
        idempotent: false,
      });
      if (typeof next.body._scroll_id === 'string') scrollId = next.body._scroll_id;
      assertComplete(next.body, 'scroll page');
      hits = next.body.hits?.hits ?? [];
    }
  } finally {
    if (scrollId !== undefined) await closeScroll(client, scrollId, logger);
  }
}

async function closeScroll(client: EsHttpClient, scrollId: string, logger: Logger): Promise<void> {
  try {
    await client.request({
      method: 'DELETE',
      path: '/_search/scroll',
      body: { scroll_id: [scrollId] },
      acceptStatuses: [404],
    });
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'clearing a scroll failed; it expires after 1 minute');
  }
}
