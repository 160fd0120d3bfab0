import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RuleCommon, RuleKindModule, RuleStore, RuleStores } from '../kinds/kind.js';
import { kindNamed, RULE_KINDS } from '../kinds/registry.js';
import { ruleStoresFor } from '../kinds/stores.js';
import { RuleRepository } from '../rule-repository.js';
import { TargetRepository } from '../target-repository.js';
import type { AlertTarget } from '../types.js';
import { fileChannels } from './channels.js';
import type { RulesDocument } from './document.js';
import { marksFile, rulesFileName } from './file-name.js';
import { ruleKey, ruleLabel, targetKey, targetLabel } from './keys.js';
import { completedRule, completedTarget } from './kinds.js';

/** One field an update changes (a secret address shown masked). */
export interface PlanChange {
  field: string;
  before: unknown;
  after: unknown;
  /** A secret (a target's webhook URL, routing key) that changed: before and after are masked, maybe alike. */
  hidden?: true;
}

/** One rule or target the plan names. */
export interface PlanEntry {
  entity: 'rule' | 'target';
  /** The rule's kind, or the target's type. */
  kind: string;
  /** How output names it: `latency "pay p95"`, `message checkout POST /pay`, `target slack "ops"`. */
  label: string;
  /** Its stored id; null for one still to create. */
  id: number | null;
  /** The line of the file that holds it; null when the file does not. */
  line: number | null;
  /** Updates and releases: the fields that change. */
  changes: PlanChange[];
}

/** What applying a rules file does (or did): every rule and target of the file or the database. */
export interface RulesPlan {
  /** The file as given (output names it so). */
  file: string;
  /** Its name in `managed_by` and the audit actor: the absolute path (see file-name.ts). */
  managed_file: string;
  prune: boolean;
  dryRun: boolean;
  creates: PlanEntry[];
  updates: PlanEntry[];
  deletes: PlanEntry[];
  unchanged: PlanEntry[];
  /** Marked as managed by this file but no longer in it (without --prune): the mark cleared. */
  releases: PlanEntry[];
  /** Stored, not in the file, not pruned: left as they are. */
  kept: PlanEntry[];
}

/** The stores a plan reads and writes, over one database (or one transaction). */
export interface PlanStores {
  rules: RuleStores;
  targets: TargetRepository;
}

export function planStoresOver(db: Kysely<Database>, now: () => number = Date.now): PlanStores {
  const appRules = new RuleRepository(db, 'app', now) as unknown as RuleStore;
  const messageRules = new RuleRepository(db, 'message', now) as unknown as RuleStore;
  return { rules: ruleStoresFor(db, appRules, messageRules), targets: new TargetRepository(db, fileChannels(), now) };
}

/** A step of the plan, run in order: deletes, then updates, then creates. */
export type PlanStep = (stores: PlanStores, actor: string) => Promise<void>;

export interface ComputedPlan {
  plan: RulesPlan;
  steps: PlanStep[];
}

/** Applying is refused before anything is written: the file cannot be applied as it is. */
export class PlanConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanConflictError';
  }
}

interface StoredRule {
  kind: RuleKindModule;
  rule: RuleCommon & Record<string, unknown>;
}

/**
 * Compares a checked rules file with what is stored: what to create, update (field by field),
 * delete (with `prune`), leave, or release; and the steps that do it.
 */
export async function computePlan(
  stores: PlanStores,
  document: RulesDocument,
  options: { file: string; prune: boolean; dryRun: boolean },
): Promise<ComputedPlan> {
  const file = rulesFileName(options.file);
  const plan: RulesPlan = {
    file: options.file,
    managed_file: file,
    prune: options.prune,
    dryRun: options.dryRun,
    creates: [],
    updates: [],
    deletes: [],
    unchanged: [],
    releases: [],
    kept: [],
  };
  const deletes: PlanStep[] = [];
  const updates: PlanStep[] = [];
  const creates: PlanStep[] = [];

  const storedRules = new Map<string, StoredRule>();
  for (const kind of RULE_KINDS) {
    for (const rule of await kind.store(stores.rules).all()) {
      storedRules.set(ruleKey(kind, rule as unknown as Record<string, unknown>), {
        kind,
        rule: rule as unknown as RuleCommon & Record<string, unknown>,
      });
    }
  }
  const seen = new Set<string>();
  for (const fileRule of document.rules) {
    const kind = kindNamed(fileRule.kind);
    if (!kind) throw new Error(`unknown rule kind ${fileRule.kind}`);
    const key = ruleKey(kind, fileRule.body);
    const label = ruleLabel(kind, fileRule.body);
    const desired = completedRule(kind, fileRule.body);
    const stored = storedRules.get(key);
    const entry = (id: number | null, changes: PlanChange[] = []): PlanEntry => ({
      entity: 'rule',
      kind: kind.name,
      label,
      id,
      line: fileRule.line,
      changes,
    });
    if (stored && stored.kind.name !== kind.name) {
      // A window rule's name is its key: the same name under another kind replaces it.
      seen.add(key);
      plan.deletes.push(storedRuleEntry(stored));
      deletes.push((s, actor) => stored.kind.store(s.rules).delete(stored.rule.id, actor, { managedBy: file }));
    } else if (stored) {
      seen.add(key);
      const changes = changedFields(stored.rule, desired);
      const marking = markChange(stored.rule, file);
      if (changes.length === 0 && !marking) {
        plan.unchanged.push(entry(stored.rule.id));
        continue;
      }
      plan.updates.push(entry(stored.rule.id, marking ? [...changes, marking] : changes));
      // A window rule is written whole (checked again as a whole); the others field by field.
      const patch =
        kind.family === 'window' ? desired : Object.fromEntries(changes.map((c) => [c.field, desired[c.field]]));
      updates.push(async (s, actor) => {
        await kind.store(s.rules).update(stored.rule.id, patch, actor, { managedBy: file });
      });
      continue;
    }
    plan.creates.push(entry(null));
    creates.push(async (s, actor) => {
      await kind.store(s.rules).create(fileRule.body, actor, { managedBy: file });
    });
  }
  // Deletes pass the file as managedBy: the stores refuse to delete a managed rule otherwise
  // (a user's change, see ../managed.ts).
  for (const [key, stored] of storedRules) {
    if (seen.has(key)) continue;
    if (options.prune) {
      plan.deletes.push(storedRuleEntry(stored));
      deletes.push((s, actor) => stored.kind.store(s.rules).delete(stored.rule.id, actor, { managedBy: file }));
    } else if (marksFile(stored.rule.managed_file, file)) {
      plan.releases.push({ ...storedRuleEntry(stored), changes: [releaseChange(stored.rule.managed_file)] });
      updates.push(async (s, actor) => {
        await stored.kind.store(s.rules).update(stored.rule.id, {}, actor, { managedBy: null });
      });
    } else {
      plan.kept.push(storedRuleEntry(stored));
    }
  }

  const storedTargets = new Map<string, AlertTarget>();
  for (const target of await allTargets(stores.targets)) storedTargets.set(targetKey(targetFields(target)), target);
  const seenTargets = new Set<string>();
  const createdNames = new Map<string, string>();
  for (const fileTarget of document.targets) {
    const key = targetKey(fileTarget.body);
    const desired = completedTarget(fileTarget.body);
    const stored = storedTargets.get(key);
    const entry = (id: number | null, changes: PlanChange[] = []): PlanEntry => ({
      entity: 'target',
      kind: String(desired.type),
      label: targetLabel(desired),
      id,
      line: fileTarget.line,
      changes,
    });
    if (stored) {
      seenTargets.add(key);
      const changes = changedFields(targetFields(stored), desired);
      const marking = markChange(stored, file);
      if (changes.length === 0 && !marking) {
        plan.unchanged.push(entry(stored.id));
        continue;
      }
      const shown = changes.map((c) => maskedChange(c, String(desired.type)));
      plan.updates.push(entry(stored.id, marking ? [...shown, marking] : shown));
      const patch = Object.fromEntries(changes.map((c) => [c.field, desired[c.field]]));
      updates.push(async (s, actor) => {
        await s.targets.update(stored.id, patch, actor, { managedBy: file });
      });
      continue;
    }
    plan.creates.push(entry(null));
    createdNames.set(String(desired.name), String(desired.type));
    creates.push(async (s, actor) => {
      await s.targets.create(fileTarget.body as never, actor, { managedBy: file });
    });
  }
  for (const [key, stored] of storedTargets) {
    if (seenTargets.has(key)) continue;
    const entry: PlanEntry = {
      entity: 'target',
      kind: stored.type,
      label: targetLabel(targetFields(stored)),
      id: stored.id,
      line: null,
      changes: [],
    };
    if (options.prune) {
      plan.deletes.push(entry);
      deletes.push((s, actor) => s.targets.delete(stored.id, actor, { managedBy: file }));
      continue;
    }
    if (marksFile(stored.managed_file, file)) {
      plan.releases.push({ ...entry, changes: [releaseChange(stored.managed_file)] });
      updates.push(async (s, actor) => {
        await s.targets.update(stored.id, {}, actor, { managedBy: null });
      });
    } else {
      plan.kept.push(entry);
    }
    const type = createdNames.get(stored.name);
    if (type !== undefined) {
      throw new PlanConflictError(
        `target "${stored.name}" is stored with type ${stored.type} and the file has it as ${type}: rename one, or apply with --prune to replace it`,
      );
    }
  }
  return { plan, steps: [...deletes, ...updates, ...creates] };
}

/**
 * The file manages every rule and target it holds: one stored unmarked (or marked by another
 * file, or by this one under the path as given before names were resolved) is marked, a change
 * of managed_by only.
 */
function markChange(stored: { managed_file: string | null }, file: string): PlanChange | undefined {
  return stored.managed_file === file ? undefined : { field: 'managed_by', before: stored.managed_file, after: file };
}

function releaseChange(mark: string | null): PlanChange {
  return { field: 'managed_by', before: mark, after: null };
}

function storedRuleEntry(stored: StoredRule): PlanEntry {
  return {
    entity: 'rule',
    kind: stored.kind.name,
    label: ruleLabel(stored.kind, stored.rule),
    id: stored.rule.id,
    line: null,
    changes: [],
  };
}

/** The fields of `desired` whose stored value differs. */
function changedFields(stored: Record<string, unknown>, desired: Record<string, unknown>): PlanChange[] {
  const changes: PlanChange[] = [];
  for (const [field, after] of Object.entries(desired)) {
    const before = stored[field] ?? null;
    if (!sameValue(before, after ?? null)) changes.push({ field, before, after: after ?? null });
  }
  return changes;
}

/** Equal as JSON values, whatever the order of object keys. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function targetFields(target: AlertTarget): Record<string, unknown> {
  return { name: target.name, type: target.type, external_id: target.external_id, is_active: target.is_active };
}

/**
 * A change of a secret address (webhook URL, routing key) as output may show it: masked, and
 * marked hidden. The plan found it by comparing the raw stored address with the file's.
 */
function maskedChange(change: PlanChange, type: string): PlanChange {
  if (change.field !== 'external_id') return change;
  const secret = (address: unknown): address is string =>
    typeof address === 'string' && fileChannels().addressSecrets(type, address).length > 0;
  if (!secret(change.before) && !secret(change.after)) return change;
  const mask = (address: unknown) => (secret(address) ? fileChannels().maskAddress(type, address) : address);
  return { ...change, before: mask(change.before), after: mask(change.after), hidden: true };
}

async function allTargets(targets: TargetRepository): Promise<AlertTarget[]> {
  const all: AlertTarget[] = [];
  for (let page = 1; ; page += 1) {
    const listed = await targets.list({}, { page, per_page: 500 });
    all.push(...listed.items);
    if (all.length >= listed.total || listed.items.length === 0) return all;
  }
}
