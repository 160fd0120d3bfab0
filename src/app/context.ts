import type { Config } from '../config/config.js';
import type { StateDb } from '../db/connection.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import type { LogSource } from '../logs/source.js';
import { RuleRepository } from '../rules/rule-repository.js';
import { TargetRepository } from '../rules/target-repository.js';

/**
 * What a running lagwatch holds: configuration, the state database and its repositories, and
 * the log source. Commands and the HTTP server receive it; nothing reaches for globals.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  state: StateDb;
  appRules: RuleRepository<'app'>;
  messageRules: RuleRepository<'message'>;
  targets: TargetRepository;
  /** Live events (violations, scans, alerts) for `GET /events`. */
  events: EventBus;
  /** Opened lazily: commands that only manage rules never connect to the log store. */
  logSource(): Promise<LogSource>;
  close(): Promise<void>;
}

export function repositoriesFor(state: StateDb) {
  return {
    appRules: new RuleRepository(state.db, 'app'),
    messageRules: new RuleRepository(state.db, 'message'),
    targets: new TargetRepository(state.db),
  };
}
