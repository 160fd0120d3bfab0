import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { WindowRuleRepository } from '../window-rule-repository.js';
import type { RuleStore, RuleStores } from './kind.js';
import { WINDOW_KINDS } from './registry.js';

/** The stores every kind binds to: the two per-log repositories, and one window repository per window kind. */
export function ruleStoresFor(db: Kysely<Database>, appRules: RuleStore, messageRules: RuleStore): RuleStores {
  const windows = new Map(WINDOW_KINDS.map((kind) => [kind.name, new WindowRuleRepository(db, kind)]));
  return {
    appRules,
    messageRules,
    windowRules(kind) {
      const store = windows.get(kind);
      if (!store) throw new Error(`${kind} is not a window rule kind`);
      return store as unknown as RuleStore;
    },
  };
}
