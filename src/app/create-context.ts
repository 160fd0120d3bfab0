import type { Config } from '../config/config.js';
import { openStateDb } from '../db/connection.js';
import { EventBus } from '../events/bus.js';
import type { EventChannel } from '../events/channel.js';
import { DatabaseEventChannel } from '../events/event-log.js';
import { RedisEventChannel } from '../events/redis-channel.js';
import type { Logger } from '../logging/logger.js';
import { openLogSource } from '../logs/open-source.js';
import type { LogSource } from '../logs/source.js';
import { type AppContext, repositoriesFor } from './context.js';

/**
 * Opens the state database (without migrating) and prepares the lazily opened log source. Live
 * events travel to every lagwatch process through Redis when REDIS_HOST is set, else through the
 * state database's event_log table.
 */
export function createAppContext(config: Config, logger: Logger): AppContext {
  const state = openStateDb(config.db);
  const channel: EventChannel = config.redis
    ? new RedisEventChannel(config.redis, logger)
    : new DatabaseEventChannel(state.db, logger);
  const events = new EventBus({ channel, logger });
  let source: Promise<LogSource> | undefined;
  return {
    config,
    logger,
    state,
    ...repositoriesFor(state),
    events,
    logSource() {
      source ??= openLogSource(config, logger).catch((error: unknown) => {
        source = undefined; // let the next caller try again (the store may come back)
        throw error;
      });
      return source;
    },
    async close() {
      await events.close();
      if (source) await (await source.catch(() => undefined))?.close();
      await state.close();
    },
  };
}
