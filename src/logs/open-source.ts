import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { ElasticsearchLogSource } from './elasticsearch/index.js';
import { EmbeddedLogStore } from './embedded/embedded-log-store.js';
import type { LogSource } from './source.js';

/** Opens the configured log source (LOG_SOURCE). */
export async function openLogSource(config: Config, logger: Logger): Promise<LogSource> {
  return config.logSource === 'elasticsearch'
    ? ElasticsearchLogSource.open(config, logger)
    : EmbeddedLogStore.open(config, logger);
}
