export {
  ImportError,
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  importFiles,
  STDIN_PATH,
} from './import-files.js';
export { IngestBodyError, type IngestBodyOptions, ingestBody, type LineIngester } from './ingest-body.js';
export { type LineReaderOptions, readNdjsonLines } from './line-reader.js';
export type { IngestError, IngestResult, NdjsonLine } from './ndjson-line.js';
