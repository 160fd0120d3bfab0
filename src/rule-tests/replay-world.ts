import { DatabaseCooldowns } from '../alerts/cooldown.js';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { openStateDb, type StateDb } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { EventBus } from '../events/bus.js';
import { createLogger } from '../logging/logger.js';
import { EmbeddedLogStore } from '../logs/embedded/embedded-log-store.js';
import type { RuleStores } from '../rules/kinds/kind.js';
import { ruleStoresFor } from '../rules/kinds/stores.js';
import { RuleRepository } from '../rules/rule-repository.js';
import type { AlertTarget, ChannelType } from '../rules/types.js';
import { DatabaseLease } from '../scan/lease.js';
import { type ScanContext, Scanner } from '../scan/scanner.js';
import { SilenceRepository } from '../silences/silence-repository.js';

/** Where the replay's notifications would go: nowhere (nothing is ever delivered). */
const STAND_IN_ADDRESS = 'rules:test (not sent)';

/**
 * One lagwatch installation held in memory for one test: a migrated in-memory SQLite state
 * database, an in-memory embedded log store and the real scanner over them, driven by a clock
 * the replay moves. No outbox runs, so nothing is sent; no file is opened.
 */
export interface ReplayWorld {
  config: Config;
  state: StateDb;
  store: EmbeddedLogStore;
  scanner: Scanner;
  /** The stores every rule kind binds to (see rules/kinds/registry.ts). */
  ruleStores: RuleStores;
  silences: SilenceRepository;
  /** The replay's clock, epoch ms: every part of the pipeline reads it. */
  clock: { now: number };
  close(): Promise<void>;
}

/**
 * The configuration of a replay: lagwatch's defaults, with the state database and the log
 * store in memory; the environment is not read (a DB_DATABASE or EMBEDDED_LOG_DB set for the
 * real installation must not be touched).
 */
export function replayConfig(): Config {
  return loadConfig(
    {
      DB_DRIVER: 'sqlite',
      DB_DATABASE: ':memory:',
      LOG_SOURCE: 'embedded',
      EMBEDDED_LOG_DB: ':memory:',
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'http://lagwatch.invalid',
    },
    undefined,
  );
}

export async function openReplayWorld(): Promise<ReplayWorld> {
  const config = replayConfig();
  const clock = { now: 0 };
  const now = () => clock.now;
  const state = openStateDb(config.db);
  let store: EmbeddedLogStore | undefined;
  try {
    await migrateToLatest(state);
    store = EmbeddedLogStore.open(config);
    const appRules = new RuleRepository(state.db, 'app', now);
    const messageRules = new RuleRepository(state.db, 'message', now);
    const silences = new SilenceRepository(state.db, state.driver, now);
    const ruleStores = ruleStoresFor(state.db, appRules, messageRules);
    const ctx: ScanContext = {
      config,
      logger: createLogger({ logLevel: 'silent' }),
      state,
      appRules,
      messageRules,
      ruleStores,
      targets: { activeOfTypes: async (types) => standInTargets(types) },
      silences,
      events: new EventBus(),
    };
    const source = store;
    const scanner = new Scanner({
      ctx,
      source: async () => source,
      lease: new DatabaseLease(state.db, now),
      cooldowns: new DatabaseCooldowns(),
      now,
    });
    return {
      config,
      state,
      store: source,
      scanner,
      ruleStores,
      silences,
      clock,
      async close() {
        await source.close();
        await state.close();
      },
    };
  } catch (error) {
    await store?.close();
    await state.close();
    throw error;
  }
}

/**
 * One active target per channel type asked for, so that every rule has somewhere to send: the
 * replay judges the rules, not where an installation's targets point (a rule whose channel has
 * no target would otherwise be recorded as `suppressed`, "no active target").
 */
function standInTargets(types: readonly ChannelType[]): AlertTarget[] {
  const at = new Date(0).toISOString();
  return [...new Set(types)].map((type, i) => ({
    id: i + 1,
    name: `rules:test ${type}`,
    type,
    external_id: STAND_IN_ADDRESS,
    is_active: true,
    managed_by: null,
    managed_file: null,
    created_at: at,
    updated_at: at,
  }));
}
