import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Rule } from '../rules/types.js';
import type { SilenceRepository } from '../silences/silence-repository.js';
import type { Silence } from '../silences/types.js';
import { countInLogWindow } from '../violations/violation-store.js';
import { type CooldownState, isCoolingDown } from './cooldown.js';
import type { RuleGroup } from './grouping.js';

/**
 * Whether a rule's notification goes out, decided in this order (the first that holds it back
 * names the reason on its alert log rows):
 *   1. count window: with window_minutes > 0, fewer than min_count violations of the rule in the
 *      window_minutes of log time ending at the newest one → `suppressed`, "below count: …";
 *   2. silence: an active silence matches the app (and message key) → `silenced`, with its id;
 *   3. cooldown: a notification for the rule was queued less than cooldown_minutes ago →
 *      `suppressed`, "in cooldown".
 * Only a notification that passes all three is queued (`pending`) and starts the cooldown:
 * below-count and silenced notifications leave it alone, so the first alert after them reports
 * every violation since the last one that was sent. Violations are recorded in every case.
 */
export type NoiseDecision =
  | { mode: 'notify'; reason: null }
  | { mode: 'below_count'; reason: string }
  | { mode: 'silenced'; reason: string; silenceId: number }
  | { mode: 'cooldown'; reason: string };

export interface WindowCount {
  /** Violations of the rule with log times in the window. */
  count: number;
  /** Log time of the window's oldest violation. */
  firstAt: number;
}

/** The violations of the group's rule in the `minutes` of log time ending at the group's newest. */
export async function countInWindow(db: Kysely<Database>, group: RuleGroup, minutes: number): Promise<WindowCount> {
  const window = await countInLogWindow(db, group.ruleType, group.ruleId, group.lastLogTime, minutes);
  return { count: window.count, firstAt: window.firstAt ?? group.firstLogTime };
}

/** Where the scan looks up the silence that holds a notification back. */
export type ActiveSilences = Pick<SilenceRepository, 'activeFor'>;

export interface DecisionInput {
  rule: Rule;
  group: RuleGroup;
  window: WindowCount | undefined;
  cooldown: CooldownState | undefined;
  now: number;
}

export async function noiseDecision(
  { rule, group, window, cooldown, now }: DecisionInput,
  activeSilence: (app: string, messageKey: string | null) => Promise<Silence | undefined>,
): Promise<NoiseDecision> {
  if (window && window.count < rule.min_count) {
    return {
      mode: 'below_count',
      reason: `below count: ${window.count} of ${rule.min_count} violations in the last ${rule.window_minutes} min`,
    };
  }
  const silence = await activeSilence(group.app, group.messageKey);
  if (silence) {
    return {
      mode: 'silenced',
      silenceId: silence.id,
      reason: silencedReason(silence),
    };
  }
  if (isCoolingDown(cooldown, now)) return { mode: 'cooldown', reason: 'in cooldown' };
  return { mode: 'notify', reason: null };
}

/** The alert log's reason for a row a silence held back. */
export function silencedReason(silence: Silence): string {
  return `silenced by silence ${silence.id} (${silence.created_by}) until ${silence.ends_at}`.slice(0, 2000);
}
