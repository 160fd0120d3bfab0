import type { RuleKindModule } from '../kinds/kind.js';

/**
 * Natural keys: how a rule or target of a file finds its stored counterpart. App rules by app,
 * message rules by (app, message key), rules of window kinds by name (unique across every window
 * kind), targets by (type, name).
 */
export function ruleKey(kind: RuleKindModule, rule: Record<string, unknown>): string {
  if (kind.family === 'window') return JSON.stringify(['window', rule.name]);
  if (kind.name === 'message') return JSON.stringify(['message', rule.app_name, rule.message_key]);
  return JSON.stringify([kind.name, rule.app_name]);
}

export function targetKey(target: Record<string, unknown>): string {
  return JSON.stringify([target.type, target.name]);
}

/** How plans and problems name a rule: `app checkout`, `message checkout POST /pay`, `latency "pay p95"`. */
export function ruleLabel(kind: RuleKindModule, rule: Record<string, unknown>): string {
  if (kind.family === 'window') return `${kind.name} "${String(rule.name)}"`;
  if (kind.name === 'message') return `message ${String(rule.app_name)} ${String(rule.message_key)}`;
  return `${kind.name} ${String(rule.app_name)}`;
}

/** `target slack "ops"`. */
export function targetLabel(target: Record<string, unknown>): string {
  return `target ${String(target.type)} "${String(target.name)}"`;
}
