import type { Query } from './query.js';

/**
 * A keyword role (app, message key, level, correlation id) as the indices map it. Usually one
 * field. Under one pattern, though, dynamically mapped indices hold a string as `text` with a
 * `.keyword` sub-field while templated ones map it as `keyword` itself: then `field` is the
 * sub-field and `fallback` the plain field, used wherever the sub-field does not exist.
 */
export interface KeywordField {
  field: string;
  fallback?: string | undefined;
}

/** Documents whose value is one of `values`, under either mapping. */
export function keywordTerms(keyword: KeywordField, values: string[]): Query {
  const primary = { terms: { [keyword.field]: values } };
  if (keyword.fallback === undefined) return primary;
  return {
    bool: {
      should: [
        primary,
        // Where the sub-field is not mapped, the plain field is the keyword one.
        {
          bool: {
            filter: [{ terms: { [keyword.fallback]: values } }],
            must_not: [{ exists: { field: keyword.field } }],
          },
        },
      ],
      minimum_should_match: 1,
    },
  };
}

/**
 * A `terms` (or composite `terms`) source over the role's value. Under mixed mappings a painless
 * script reads the sub-field where an index has it and the plain field elsewhere; one script
 * per request, only for mixed mappings.
 */
export function keywordSource(keyword: KeywordField): Query {
  if (keyword.fallback === undefined) return { field: keyword.field };
  return {
    script: {
      lang: 'painless',
      source:
        'if (doc.containsKey(params.sub)) { return doc[params.sub].size() > 0 ? doc[params.sub].value : null; } if (doc.containsKey(params.plain)) { return doc[params.plain].size() > 0 ? doc[params.plain].value : null; } return null;',
      params: { sub: keyword.field, plain: keyword.fallback },
    },
  };
}
