import { createHash } from 'node:crypto';
import type { AlertNotification } from '../notification.js';
import { summarize, TEXT_LIMITS } from './summary.js';
import { oneLine } from './text.js';

/** The kinds whose episodes are per rule: their resolved notification names the rule only. */
const PER_RULE_KINDS = new Set(['app', 'message']);

/**
 * What one series of a rule is called outside lagwatch, the same for its alert, its reminders
 * and its resolution: `lagwatch:<ruleType>:<ruleId>` for app and message rules (one episode per
 * rule), plus `:<hash of app and key>` for every other kind (window kinds fire per series, and
 * self-alerts name their check there). Derived from the notification only, at most 255
 * characters, no log text in the clear. PagerDuty's dedup_key, Google Chat's thread key.
 */
export function seriesKey(n: AlertNotification): string {
  const rule = `lagwatch:${cleanType(n.ruleType)}:${Number.isFinite(n.ruleId) ? n.ruleId : 0}`;
  if (PER_RULE_KINDS.has(n.ruleType)) return rule;
  const series = createHash('sha256')
    .update(`${n.app}\u0000${n.messageKey ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return `${rule}:${series}`;
}

/** A rule type as a key may carry it: short, without separators. */
function cleanType(ruleType: string): string {
  return ruleType.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || 'rule';
}

/** What a notification says in one line and whether it ends something, for every kind. */
export interface NotificationGist {
  /** "Slow checkout / POST /orders: 3 violations, worst 2.35 s", "Resolved: …", a kind's sentence. */
  headline: string;
  resolved: boolean;
  /** A window kind's reminder: still firing. */
  reminder: boolean;
  /** Window kinds and any other notification that brings its own sentence (self-alerts). */
  sentence: string | undefined;
}

/**
 * `summarize`, and also for a notification of a kind it does not know that brings a `sentence`
 * (self-alerts: `ruleType: 'self'`): then the sentence is the message.
 */
export function gist(n: AlertNotification): NotificationGist {
  const resolved = n.kind === 'resolved';
  const reminder = n.incident?.event === 'reminder';
  if (n.sentence !== undefined && !n.evaluation) {
    const sentence = oneLine(n.sentence, TEXT_LIMITS.sentence);
    return { headline: resolved ? `Resolved: ${sentence}` : sentence, resolved, reminder, sentence };
  }
  const s = summarize(n);
  return {
    headline: s.headline,
    resolved: resolved || s.resolved,
    reminder,
    sentence: n.evaluation ? s.countLine : undefined,
  };
}
