import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { LogSource } from './source.js';

/** Opens the configured log source (LOG_SOURCE), loading only that adapter's code. */
export async function openLogSource(config: Config, logger: Logger): Promise<LogSource> {
  if (config.logSource === 'elasticsearch') {
    const { ElasticsearchLogSource } = await import('./elasticsearch/index.js');
    return ElasticsearchLogSource.open(config, logger);
  }
  const { EmbeddedLogStore } = await import('./embedded/embedded-log-store.js');
  // The service's store: figure reads off the event loop, in stats threads.
  return EmbeddedLogStore.open(config, logger, { readsOffLoop: true });
}
