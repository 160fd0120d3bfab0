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
