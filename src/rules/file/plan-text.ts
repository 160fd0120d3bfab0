import type { PlanChange, PlanEntry, RulesPlan } from './plan.js';

/**
 * A plan as lines for a person: `+ create latency "pay p95"`,
 * `~ update message checkout POST /pay: max_duration 800 → 1200`, `- delete app legacy`, and a
 * summary line; a changed secret address as `external_id changed (hidden)`. `applied`: said as done rather than to do.
 */
export function planLines(plan: RulesPlan, applied: boolean): string[] {
  const lines: string[] = [];
  for (const entry of plan.deletes) lines.push(`- delete ${entry.label}`);
  for (const entry of plan.updates) lines.push(`~ update ${entry.label}: ${changesText(entry.changes)}`);
  for (const entry of plan.creates) lines.push(`+ create ${entry.label}`);
  for (const entry of plan.releases) {
    lines.push(`~ release ${entry.label} (no longer in the file): ${changesText(entry.changes)}`);
  }
  lines.push(summary(plan, applied));
  return lines;
}

function summary(plan: RulesPlan, applied: boolean): string {
  const n = (entries: PlanEntry[]) => entries.length;
  const parts = applied
    ? [`${n(plan.creates)} created`, `${n(plan.updates)} updated`, `${n(plan.deletes)} deleted`]
    : [`${n(plan.creates)} to create`, `${n(plan.updates)} to update`, `${n(plan.deletes)} to delete`];
  parts.push(`${n(plan.unchanged)} unchanged`);
  if (plan.releases.length > 0) parts.push(`${n(plan.releases)} ${applied ? 'released' : 'to release'}`);
  if (plan.kept.length > 0) parts.push(`${n(plan.kept)} not in the file kept (--prune deletes them)`);
  const head = applied ? `applied ${plan.file}` : plan.dryRun ? `${plan.file} (dry run, nothing written)` : plan.file;
  return `${head}: ${parts.join(', ')}`;
}

function changesText(changes: PlanChange[]): string {
  // A secret's values are not printed, not even masked (two masks may read alike).
  return changes
    .map((c) =>
      c.hidden ? `${c.field} changed (hidden)` : `${c.field} ${valueText(c.before)} → ${valueText(c.after)}`,
    )
    .join(', ');
}

function valueText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}
