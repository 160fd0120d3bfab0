import { TokenRepository } from '../access/token-repository.js';
import { CHANNELS, type ChannelRegistry } from '../alerts/channels/registry.js';
import type { StateDb } from '../db/connection.js';
import type { HttpContext } from '../http/context.js';
import { ruleStoresFor } from '../rules/kinds/stores.js';
import { RuleRepository } from '../rules/rule-repository.js';
import { TargetRepository } from '../rules/target-repository.js';
import { SilenceRepository } from '../silences/silence-repository.js';

/**
 * What a running lagwatch holds: configuration, the state database and its repositories, and
 * the log source. Built here, the composition root, and handed down: the HTTP server, the
 * scanner and the figures each declare the part they use (HttpContext, ScanContext,
 * StatusSources), so no lower folder imports this one. Nothing reaches for globals.
 */
export interface AppContext extends HttpContext {
  close(): Promise<void>;
}

/** The repositories over `state`; `channels` is the registry targets are checked against (tests may add to it). */
export function repositoriesFor(state: StateDb, channels: ChannelRegistry = CHANNELS) {
  const appRules = new RuleRepository(state.db, 'app');
  const messageRules = new RuleRepository(state.db, 'message');
  return {
    appRules,
    messageRules,
    ruleStores: ruleStoresFor(state.db, appRules, messageRules),
    targets: new TargetRepository(state.db, channels),
    channels,
    silences: new SilenceRepository(state.db, state.driver),
    tokens: new TokenRepository(state.db, state.driver),
  };
}
