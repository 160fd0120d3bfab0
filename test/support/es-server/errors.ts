/** An error the fake cluster answers in Elasticsearch's format. */
export class EsServerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    /** Wrap as a search failure (`search_phase_execution_exception` / "all shards failed"). */
    readonly searchPhase = false,
  ) {
    super(reason);
  }

  toBody(): unknown {
    const cause = { type: this.type, reason: this.reason };
    if (this.searchPhase) {
      return {
        error: {
          root_cause: [cause],
          type: 'search_phase_execution_exception',
          reason: 'all shards failed',
          phase: 'query',
          grouped: true,
          failed_shards: [{ shard: 0, index: 'logs', node: 'node-1', reason: cause }],
        },
        status: this.status,
      };
    }
    return { error: { root_cause: [cause], ...cause }, status: this.status };
  }
}

export const badRequest = (type: string, reason: string) => new EsServerError(400, type, reason);
export const shardFailure = (type: string, reason: string) => new EsServerError(400, type, reason, true);

export const TEXT_FIELDDATA = (field: string) =>
  `Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`;
