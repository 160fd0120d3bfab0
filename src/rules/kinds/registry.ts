import { absenceKind } from './absence/index.js';
import { appKind } from './app/index.js';
import type { PerLogKindModule, RuleKindModule, WindowKindModule } from './kind.js';
import { latencyKind } from './latency/index.js';
import { messageKind } from './message/index.js';
import { sloKind } from './slo/index.js';

/**
 * Every rule kind, in the order lists show them. A new kind is its folder and one line here;
 * the API (`/rules/<kind>`, `GET /rules`), the CLI, the scan and the alert pipeline follow.
 */
export const RULE_KINDS = [
  appKind,
  messageKind,
  latencyKind,
  absenceKind,
  sloKind,
] as const satisfies readonly RuleKindModule[];

export type KindName = (typeof RULE_KINDS)[number]['name'];

export const PER_LOG_KINDS: readonly PerLogKindModule[] = RULE_KINDS.filter(
  (k): k is PerLogKindModule => k.family === 'per_log',
);
export const WINDOW_KINDS: readonly WindowKindModule[] = RULE_KINDS.filter(
  (k): k is WindowKindModule => k.family === 'window',
) as unknown as WindowKindModule[];

export function kindNamed(name: string): RuleKindModule | undefined {
  return RULE_KINDS.find((k) => k.name === name);
}

export function windowKindNamed(name: string): WindowKindModule | undefined {
  return WINDOW_KINDS.find((k) => k.name === name);
}
