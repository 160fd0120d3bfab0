/** An error from the cluster or on the way to it. Its message never carries credentials. */
export class ElasticsearchError extends Error {
  constructor(
    message: string,
    /** HTTP status, or undefined when no answer arrived (connection error, timeout). */
    readonly status: number | undefined,
    /** Elasticsearch's error type (`index_not_found_exception`, …) when the body had one. */
    readonly type: string | undefined,
    /** Elasticsearch's `reason`, with the root cause when it differs. */
    readonly reason: string | undefined,
  ) {
    super(message);
    this.name = 'ElasticsearchError';
  }
}

/** The configured fields cannot be queried as lagwatch needs (e.g. a duration mapped as `keyword`). */
export class ElasticsearchMappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`Elasticsearch field mapping: ${problems.join('; ')}`);
    this.name = 'ElasticsearchMappingError';
  }
}

interface ErrorBody {
  error?: string | { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[] };
  status?: number;
}

/** Type and reason from an Elasticsearch/OpenSearch error body (`{"error":{…},"status":N}`). */
export function describeErrorBody(body: unknown): { type: string | undefined; reason: string | undefined } {
  if (typeof body !== 'object' || body === null) return { type: undefined, reason: undefined };
  const error = (body as ErrorBody).error;
  if (typeof error === 'string') return { type: undefined, reason: error };
  if (typeof error !== 'object' || error === null) return { type: undefined, reason: undefined };
  const root = error.root_cause?.[0];
  let reason = error.reason;
  if (root?.reason && root.reason !== reason) reason = reason ? `${reason} (${root.reason})` : root.reason;
  return { type: error.type ?? root?.type, reason };
}

interface ShardsBody {
  timed_out?: boolean;
  _shards?: { total?: number; failed?: number; failures?: { reason?: { type?: string; reason?: string } }[] };
}

/**
 * Elasticsearch answers 200 with partial results when some shards fail or the search times out.
 * A scan that took them would advance its watermark past logs it never saw, so they are refused.
 */
export function assertComplete(body: unknown, what: string): void {
  const b = (body ?? {}) as ShardsBody;
  const failed = b._shards?.failed ?? 0;
  if (failed > 0) {
    const cause = b._shards?.failures?.[0]?.reason;
    const reason = cause ? `${cause.type ?? 'error'}: ${cause.reason ?? ''}` : 'no reason given';
    throw new ElasticsearchError(
      `${what}: ${failed} of ${b._shards?.total ?? '?'} shards failed (${reason}); refusing partial results`,
      200,
      'partial_results',
      reason,
    );
  }
  if (b.timed_out === true) {
    throw new ElasticsearchError(
      `${what}: the search timed out; refusing partial results`,
      200,
      'timed_out',
      undefined,
    );
  }
}

/**
 * The point in time or scroll the read was paging through is gone: a node restarted (or the
 * context expired). The server answers 404 `search_context_missing_exception`, often wrapped in a
 * `search_phase_execution_exception` ("No search context found for id …").
 */
export function isSearchContextLost(error: unknown): boolean {
  if (!(error instanceof ElasticsearchError)) return false;
  const text = `${error.type ?? ''} ${error.reason ?? ''} ${error.message}`;
  return /search_context_missing_exception|no_search_context_found|No search context found/i.test(text);
}

/**
 * A read that may succeed when asked again: no answer (connection cut or refused, timeout, a body
 * cut short), 429, a 5xx, or a 200 with failed shards or `timed_out` — as opposed to a request the
 * server will refuse every time (400, 401, 403, a mapping problem).
 */
export function isTransientReadError(error: unknown): boolean {
  if (!(error instanceof ElasticsearchError)) return false;
  if (error.status === undefined) return true;
  if (error.status === 429 || error.status >= 500) return true;
  return error.status === 200 && (error.type === 'partial_results' || error.type === 'timed_out');
}
