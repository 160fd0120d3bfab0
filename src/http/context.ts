import type { TokenRepository } from '../access/token-repository.js';
import type { ChannelRegistry } from '../alerts/channels/registry.js';
import type { Config } from '../config/config.js';
import type { StateDb } from '../db/connection.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logging/logger.js';
import type { LogSource } from '../logs/source.js';
import type { RuleStores } from '../rules/kinds/kind.js';
import type { RuleRepository } from '../rules/rule-repository.js';
import type { RulesFileStatus } from '../rules/rules-file-status.js';
import type { TargetRepository } from '../rules/target-repository.js';
import type { SilenceRepository } from '../silences/silence-repository.js';

/**
 * What the HTTP server reads and writes through: configuration, the state database and its
 * repositories, live events and the log source. The composition root (`app/`) hands it in;
 * each route takes the part it uses.
 */
export interface HttpContext {
  config: Config;
  logger: Logger;
  state: StateDb;
  appRules: RuleRepository<'app'>;
  messageRules: RuleRepository<'message'>;
  /** Every kind's rules, by the kind's store binding (rules/kinds/registry.ts). */
  ruleStores: RuleStores;
  targets: TargetRepository;
  /** The channel registry (src/alerts/channels/registry.ts): what `GET /channels` lists and requests are checked against. */
  channels: ChannelRegistry;
  silences: SilenceRepository;
  /** API tokens (src/access): created, listed and revoked through `/tokens` and the CLI. */
  tokens: TokenRepository;
  /** Live events (violations, scans, alerts) for `GET /events`. */
  events: EventBus;
  /** The RULES_FILE a `start` process applies, for `/monitor/server` (absent: none). */
  rulesFile?: { status(): RulesFileStatus };
  /** Opened lazily: commands that only manage rules never connect to the log store. */
  logSource(): Promise<LogSource>;
}
