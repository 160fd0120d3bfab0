import { type AlertNotification, type NotificationKind, SELF_RULE_TYPE } from '../alerts/notification.js';
import { formatDuration } from '../alerts/render/format.js';
import type { SelfCondition } from './self-alert-state.js';

export { SELF_RULE_TYPE };
/** The app name self-alerts carry (a silence of app `lagwatch` mutes them). */
export const SELF_APP = 'lagwatch';

export interface SelfAlertFacts {
  /** The self_alerts row id: the notification's rule id, the same for its alert and its resolved. */
  id: number;
  key: string;
  condition: SelfCondition;
  subject: string;
  since: number;
  detail: string | null;
  count: number;
}

export interface SelfResolution {
  /** channel_failing: the destination is gone (deleted, deactivated) rather than delivering again. */
  removed?: boolean;
}

/**
 * A self-alert as the notification every channel renders: a `sentence` that says it all, with
 * the evaluation and incident facts of the window kinds, so that each channel's generic path for
 * those renders it (no channel needs to know about self-alerts).
 */
export function selfNotification(
  facts: SelfAlertFacts,
  kind: NotificationKind,
  options: { now: number; publicUrl: string; afterMinutes: number; resolution?: SelfResolution },
): AlertNotification {
  const { now } = options;
  const held = Math.max(0, now - facts.since);
  return {
    kind,
    ruleType: SELF_RULE_TYPE,
    ruleId: facts.id,
    app: SELF_APP,
    messageKey: facts.key,
    thresholdMs: options.afterMinutes * 60_000,
    count: facts.count,
    sinceLastAlert: facts.count,
    worstMs: 0,
    p95Ms: 0,
    firstAt: facts.since,
    lastAt: now,
    samples: [],
    dashboardUrl: `${options.publicUrl}/`,
    sentence:
      kind === 'resolved' ? resolvedSentence(facts, held, options.resolution ?? {}) : alertSentence(facts, held, now),
    evaluation: {
      statistic: facts.condition,
      value: Math.floor(held / 60_000),
      threshold: options.afterMinutes,
      unit: 'min',
      samples: facts.count,
      windowFrom: facts.since,
      windowTo: now,
      baselineValue: null,
    },
    incident: {
      id: facts.id,
      name: titleOf(facts),
      event: kind,
      startedAt: facts.since,
      resolvedAt: kind === 'resolved' ? now : null,
    },
  };
}

function titleOf(facts: SelfAlertFacts): string {
  switch (facts.condition) {
    case 'scans_failing':
      return 'lagwatch self-monitoring: scans failing';
    case 'channel_failing':
      return `lagwatch self-monitoring: ${facts.subject} failing`;
    case 'scan_lease_stale':
      return 'lagwatch self-monitoring: scan lease stale';
  }
}

/** "10:04 UTC" (with the date when it is not today's). */
export function clockOf(epochMs: number, now: number): string {
  const iso = new Date(epochMs).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? iso.slice(11, 16) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`} UTC`;
}

function alertSentence(facts: SelfAlertFacts, held: number, now: number): string {
  const since = `since ${clockOf(facts.since, now)} (${formatDuration(held)})`;
  const error = facts.detail ? `; last error: ${facts.detail}` : '';
  switch (facts.condition) {
    case 'scans_failing':
      return `lagwatch cannot watch: every scan has failed ${since}, ${facts.count} run${facts.count === 1 ? '' : 's'}${error}`;
    case 'channel_failing':
      return `lagwatch cannot deliver to ${facts.subject}: every send has failed ${since}${error}`;
    case 'scan_lease_stale':
      return `lagwatch is not scanning: ${facts.subject} is stale ${since}${facts.detail ? `, ${facts.detail}` : ''}`;
  }
}

function resolvedSentence(facts: SelfAlertFacts, held: number, resolution: SelfResolution): string {
  const after = `after ${formatDuration(held)} (since ${clockOf(facts.since, facts.since + held)})`;
  switch (facts.condition) {
    case 'scans_failing':
      return `lagwatch scans succeed again, ${after} of failures`;
    case 'channel_failing':
      return resolution.removed
        ? `${facts.subject} is no longer an alert destination; it had failed ${after}`
        : `${facts.subject} delivers again, ${after} of failures`;
    case 'scan_lease_stale':
      return `lagwatch scans again: ${facts.subject} is no longer stale, ${after}`;
  }
}
