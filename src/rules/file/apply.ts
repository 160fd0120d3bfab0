// SHIM (wip/rules-managed): a stand-in for the rules-file helper's apply.ts with the same
// signature: each rule and target created or updated through the stores with the file as
// managed_by; prune deletes what the file manages and no longer lists. Not one transaction.
// The merger keeps theirs.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RuleCommon } from '../kinds/kind.js';
import { kindNamed, RULE_KINDS } from '../kinds/registry.js';
import { ruleStoresFor } from '../kinds/stores.js';
import { RuleRepository } from '../rule-repository.js';
import { TargetRepository } from '../target-repository.js';
import type { RulesDocument } from './document.js';

export interface PlanEntry {
  kind: string;
  key: string;
}

export interface RulesPlan {
  creates: PlanEntry[];
  updates: PlanEntry[];
  deletes: PlanEntry[];
  unchanged: PlanEntry[];
  releases: PlanEntry[];
}

const keyOf = (kind: string, rule: Record<string, unknown>): string =>
  kind === 'app'
    ? String(rule.app_name)
    : kind === 'message'
      ? `${rule.app_name} ${rule.message_key}`
      : String(rule.name);

const differs = (stored: Record<string, unknown>, body: Record<string, unknown>) =>
  Object.entries(body).some(([field, value]) => JSON.stringify(stored[field]) !== JSON.stringify(value));

export async function applyRulesDocument(
  db: Kysely<Database>,
  document: RulesDocument,
  options: { file: string; prune: boolean; dryRun: boolean },
): Promise<RulesPlan> {
  const plan: RulesPlan = { creates: [], updates: [], deletes: [], unchanged: [], releases: [] };
  const actor = `file:${options.file}`;
  const managed = { managedBy: options.file };
  const stores = ruleStoresFor(db, new RuleRepository(db, 'app'), new RuleRepository(db, 'message'));
  for (const kind of RULE_KINDS) {
    const store = kind.store(stores);
    const existing = new Map((await store.all()).map((r) => [keyOf(kind.name, r as never), r as RuleCommon]));
    const listed = new Set<string>();
    for (const rule of document.rules.filter((r) => kindNamed(r.kind)?.name === kind.name)) {
      const key = keyOf(kind.name, rule.body);
      listed.add(key);
      const stored = existing.get(key);
      if (!stored) {
        plan.creates.push({ kind: kind.name, key });
        if (!options.dryRun) await store.create(rule.body, actor, managed);
      } else if (differs(stored as never, rule.body) || stored.managed_file !== options.file) {
        plan.updates.push({ kind: kind.name, key });
        if (!options.dryRun) await store.update(stored.id, rule.body, actor, managed);
      } else plan.unchanged.push({ kind: kind.name, key });
    }
    for (const [key, stored] of existing) {
      if (listed.has(key) || stored.managed_file !== options.file) continue;
      if (options.prune) {
        plan.deletes.push({ kind: kind.name, key });
        if (!options.dryRun) await store.delete(stored.id, actor, managed);
      } else {
        plan.releases.push({ kind: kind.name, key });
        if (!options.dryRun) await store.update(stored.id, {}, actor, { managedBy: null });
      }
    }
  }
  const targets = new TargetRepository(db, { targetAddressProblem: () => undefined, shownTarget: (t) => t });
  const stored = new Map((await targets.list({}, { page: 1, per_page: 10_000 })).items.map((t) => [t.name, t]));
  for (const target of document.targets) {
    const key = String(target.body.name);
    const current = stored.get(key);
    if (!current) {
      plan.creates.push({ kind: 'target', key });
      if (!options.dryRun) await targets.create(target.body as never, actor, managed);
    } else if (differs(current as never, target.body) || current.managed_file !== options.file) {
      plan.updates.push({ kind: 'target', key });
      if (!options.dryRun) await targets.update(current.id, target.body as never, actor, managed);
    } else plan.unchanged.push({ kind: 'target', key });
  }
  return plan;
}
