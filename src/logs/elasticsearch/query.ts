/** A query clause (or a whole query) of Elasticsearch's query DSL, as JSON. */
export type Query = Record<string, unknown>;
