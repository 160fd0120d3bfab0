import type { AppRule, MessageRule, PerLogKind, Rule } from './types.js';

/**
 * Finds the deciding rule of a log: its (app, message key) message rule when one is active,
 * else its app's active rule, else none. Called for every log, so it is two hash lookups over
 * a snapshot built once per rule change.
 */
export class RuleMatcher {
  private readonly byApp = new Map<string, AppRule>();
  private readonly byMessage = new Map<string, MessageRule>();
  /** Per app, the lowest active threshold of its app rule and message rules (for pushdown). */
  private readonly lowestByApp = new Map<string, number>();

  constructor(appRules: readonly AppRule[], messageRules: readonly MessageRule[]) {
    for (const rule of appRules) {
      if (rule.is_active) this.byApp.set(rule.app_name, rule);
    }
    for (const rule of messageRules) {
      if (rule.is_active) this.byMessage.set(messageKeyOf(rule.app_name, rule.message_key), rule);
    }
    for (const rule of [...this.byApp.values(), ...this.byMessage.values()]) {
      const lowest = this.lowestByApp.get(rule.app_name);
      if (lowest === undefined || rule.max_duration < lowest) this.lowestByApp.set(rule.app_name, rule.max_duration);
    }
  }

  decidingRule(appName: string, messageKey: string | null | undefined): Rule | undefined {
    if (messageKey != null) {
      const rule = this.byMessage.get(messageKeyOf(appName, messageKey));
      if (rule) return rule;
    }
    return this.byApp.get(appName);
  }

  /** The violated rule with its kind (which of the two maps decided), if any. */
  violation(
    appName: string,
    messageKey: string | null | undefined,
    durationMs: number,
  ): { kind: PerLogKind; rule: Rule } | undefined {
    if (messageKey != null) {
      const rule = this.byMessage.get(messageKeyOf(appName, messageKey));
      if (rule) return durationMs > rule.max_duration ? { kind: 'message', rule } : undefined;
    }
    const rule = this.byApp.get(appName);
    return rule !== undefined && durationMs > rule.max_duration ? { kind: 'app', rule } : undefined;
  }

  /** The rule the log violates, if any: strictly over the deciding rule's max_duration. */
  violatedRule(appName: string, messageKey: string | null | undefined, durationMs: number): Rule | undefined {
    const rule = this.decidingRule(appName, messageKey);
    return rule !== undefined && durationMs > rule.max_duration ? rule : undefined;
  }

  /** Apps that have at least one active rule, with the lowest threshold any of them uses. */
  lowestThresholds(): ReadonlyMap<string, number> {
    return this.lowestByApp;
  }

  get isEmpty(): boolean {
    return this.lowestByApp.size === 0;
  }
}

function messageKeyOf(appName: string, messageKey: string): string {
  return `${appName}\u0000${messageKey}`;
}
