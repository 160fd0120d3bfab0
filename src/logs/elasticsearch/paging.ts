import type { Logger } from '../../logging/logger.js';
import { assertComplete, ElasticsearchError, isSearchContextLost, isTransientReadError } from './errors.js';
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
  /** How often a window whose PIT or scroll was lost is read again from the start (default 2). */
  maxRestarts?: number;
}

const KEEP_ALIVE = '1m';
/** Hits remembered to skip after a restart; a window holding more fails instead of restarting. */
const MAX_REMEMBERED = 200_000;

/** The read lost its place in the snapshot: it can only start over (see `restartingPages`). */
class PositionLost extends Error {
  constructor(readonly lost: ElasticsearchError) {
    super(lost.message);
  }
}

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
  const read = mode === 'scroll' ? scrollPages : pitPages;
  return restartingPages(() => read(client, request, logger), request.maxRestarts ?? 2, logger);
}

/**
 * Reads again from the start, in a new snapshot, when the PIT or scroll is lost mid-window (a
 * node restarted, or a scroll page's answer was lost: asking for it again would skip it), and
 * skips the hits already handed out. The new snapshot holds every log the old one did, so this
 * gives no gap and no duplicate. Resuming from the last `search_after` values in a new PIT would
 * not: `_shard_doc` values are Lucene doc ids of the old snapshot, renumbered by merges.
 */
async function* restartingPages(
  open: () => AsyncGenerator<Hit[]>,
  maxRestarts: number,
  logger: Logger,
): AsyncGenerator<Hit[]> {
  const handedOut = new Set<string>();
  let remembering = true;
  for (let restart = 0; ; restart++) {
    try {
      for await (const page of open()) {
        const fresh = restart === 0 ? page : page.filter((hit) => !handedOut.has(hitKey(hit)));
        if (remembering) for (const hit of fresh) handedOut.add(hitKey(hit));
        if (remembering && handedOut.size > MAX_REMEMBERED) {
          remembering = false;
          handedOut.clear();
        }
        if (fresh.length > 0) yield fresh;
      }
      return;
    } catch (error) {
      if (!(error instanceof PositionLost)) throw error;
      const { status, type, reason, message } = error.lost;
      if (restart >= maxRestarts || !remembering) {
        const why = remembering ? `read from the start ${restart} times` : 'too many hits to read it again';
        throw new ElasticsearchError(`${message} (paging lost its place; ${why})`, status, type, reason);
      }
      logger.warn({ err: message, restart: restart + 1 }, 'paging lost its place; reading the window again');
    }
  }
}

const hitKey = (hit: Hit) => `${hit._index}/${hit._id}`;

/** True for the error older OpenSearch (and Elasticsearch < 7.12) gives for a `_shard_doc` sort. */
export function isShardDocUnsupported(error: unknown): boolean {
  return error instanceof ElasticsearchError && /_shard_doc/.test(`${error.reason ?? ''} ${error.message}`);
}

async function* pitPages(client: EsHttpClient, request: PageRequest, logger: Logger): AsyncGenerator<Hit[]> {
  let pitId = await openPit(client, request.target, logger);
  try {
    let searchAfter: unknown[] | undefined;
    for (;;) {
      const { body } = await client
        .request<SearchBody>({
          method: 'POST',
          path: '/_search',
          // A page of a PIT may be asked again: the snapshot does not move.
          complete: 'search_after page',
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
        })
        .catch((error: unknown) => {
          throw isSearchContextLost(error) ? new PositionLost(error as ElasticsearchError) : error;
        });
      // The id may change with every answer; the newest one must be sent next and closed.
      if (typeof body.pit_id === 'string') pitId = body.pit_id;
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
    complete: 'scroll',
    releaseIncomplete: async (body) => {
      const id = (body as SearchBody | undefined)?._scroll_id;
      if (typeof id === 'string') await closeScroll(client, id, logger);
    },
  });
  let scrollId = first.body._scroll_id;
  try {
    let hits = first.body.hits?.hits ?? [];
    while (hits.length > 0) {
      yield hits;
      if (scrollId === undefined) return;
      try {
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
      } catch (error) {
        // The page is gone with its answer: the window can only be read again from the start.
        if (isTransientReadError(error) || isSearchContextLost(error))
          throw new PositionLost(error as ElasticsearchError);
        throw error;
      }
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
