import type { Config } from '../config/config.js';
import { openStateDb } from '../db/connection.js';
import { EventBus } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import { openLogSource } from '../logs/open-source.js';
import type { LogSource } from '../logs/source.js';
import { type AppContext, repositoriesFor } from './context.js';

/** Opens the state database (without migrating) and prepares the lazily opened log source. */
export function createAppContext(config: Config, logger: Logger): AppContext {
  const state = openStateDb(config.db);
  let source: Promise<LogSource> | undefined;
  return {
    config,
    logger,
    state,
    ...repositoriesFor(state),
    events: new EventBus(),
    logSource() {
      source ??= openLogSource(config, logger).catch((error: unknown) => {
        source = undefined; // let the next caller try again (the store may come back)
        throw error;
      });
      return source;
    },
    async close() {
      if (source) await (await source.catch(() => undefined))?.close();
      await state.close();
    },
  };
}
