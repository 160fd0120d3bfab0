import type { ElasticsearchConfig } from '../../config/config.js';
import { encodeTarget } from './http-client.js';

/** The index patterns lagwatch reads: `ELASTICSEARCH_INDICES`, else `<ELASTICSEARCH_INDEX_PREFIX>*`. */
export function indexPatterns(config: Pick<ElasticsearchConfig, 'indices' | 'indexPrefix'>): string[] {
  if (config.indices.length > 0) return config.indices;
  if (config.indexPrefix !== undefined && config.indexPrefix !== '') return [`${config.indexPrefix}*`];
  throw new Error('set ELASTICSEARCH_INDEX_PREFIX or ELASTICSEARCH_INDICES to name the indices to read');
}

/** The patterns as one URL path segment. */
export function indexTarget(config: Pick<ElasticsearchConfig, 'indices' | 'indexPrefix'>): string {
  return encodeTarget(indexPatterns(config));
}
