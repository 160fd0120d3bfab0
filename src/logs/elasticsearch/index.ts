export { checkElasticsearch, type ElasticsearchCheckReport } from './check.js';
export { ElasticsearchError, ElasticsearchMappingError } from './errors.js';
export { type ClientTuning, ElasticsearchLogSource } from './source.js';
