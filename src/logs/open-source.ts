import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { LogSource } from './source.js';

/** Opens the configured log source (LOG_SOURCE). */
export async function openLogSource(config: Config, _logger: Logger): Promise<LogSource> {
  // Wired once the embedded store and the Elasticsearch adapter land (issue 4).
  throw new Error(`log source ${config.logSource} is not available in this build yet`);
}
