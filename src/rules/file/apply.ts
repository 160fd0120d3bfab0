/**
 * TEMPORARY SHIM (wip/rules-test): stands in for the rules-file helper's apply so that
 * `rules:test` can be built and tested before it lands. The merger drops this file in favour of
 * the real src/rules/file/apply.ts, which has the same exported name.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { kindNamed } from '../kinds/registry.js';
import { ruleStoresFor } from '../kinds/stores.js';
import { RuleRepository } from '../rule-repository.js';
import type { TargetCreate } from '../schemas.js';
import { TargetRepository } from '../target-repository.js';
import type { RulesDocument } from './read.js';

export interface ApplyOptions {
  file: string;
  prune: boolean;
  dryRun: boolean;
  now?: () => number;
}

export async function applyRulesDocument(db: Kysely<Database>, document: RulesDocument, options: ApplyOptions) {
  const actor = `file:${options.file}`;
  const stores = ruleStoresFor(db, new RuleRepository(db, 'app'), new RuleRepository(db, 'message'));
  for (const { kind, body } of document.rules) {
    const module = kindNamed(kind);
    if (!module) throw new Error(`${kind} is not a rule kind`);
    await module.store(stores).create(body, actor);
  }
  // The shim checks no address (src/rules may not import the channel registry above it).
  const targets = new TargetRepository(db, { targetAddressProblem: () => undefined, shownTarget: (t) => t });
  for (const { body } of document.targets) await targets.create(body as TargetCreate, actor);
  return { created: document.rules.length + document.targets.length };
}
