import type { AlertNotification, ViolationSample } from '../notification.js';
import { formatDuration, plural } from './format.js';
import { oneLine } from './text.js';

/** Length bounds for log-derived text, so one hostile log cannot bloat an alert. */
export const TEXT_LIMITS = {
  app: 120,
  messageKey: 200,
  correlationId: 100,
  sampleMessage: 300,
  sentence: 700,
} as const;

/** At most this many samples are quoted in chat and email alerts. */
export const MAX_SAMPLES_SHOWN = 10;

/** The cleaned, channel-neutral pieces every human-readable template shows. */
export interface AlertSummary {
  app: string;
  messageKey: string | null;
  /**
   * "12 violations over the 500 ms threshold", "5 violations in 10 min over …", "40 violations since the
   * last alert (12 in this scan) …", or for a resolved one "back under 800 ms after 23 min, 41 violations …".
   */
  countLine: string;
  headline: string;
  /** A resolved notification: the rule is back under its threshold. */
  resolved: boolean;
  samples: Array<{ sample: ViolationSample; correlationId: string | null; message: string | null }>;
}

export function summarize(n: AlertNotification): AlertSummary {
  const app = oneLine(n.app, TEXT_LIMITS.app) || '(no app)';
  const messageKey = n.messageKey === null ? null : oneLine(n.messageKey, TEXT_LIMITS.messageKey);
  const threshold = formatDuration(n.thresholdMs);
  const what = messageKey ? `${app} / ${messageKey}` : app;
  if (n.evaluation && n.sentence !== undefined) {
    // A window kind: its kind's sentence says it all (app and key in it come from logs).
    const sentence = oneLine(n.sentence, TEXT_LIMITS.sentence);
    const resolved = n.kind === 'resolved';
    return {
      app,
      messageKey,
      resolved,
      countLine: sentence,
      headline: resolved ? `Resolved: ${sentence}` : sentence,
      samples: [],
    };
  }
  if (n.kind === 'resolved' && n.resolved) {
    const line = `back under ${threshold} after ${n.resolved.durationMinutes} min, ${plural(n.resolved.violations, 'violation')}`;
    return {
      app,
      messageKey,
      resolved: true,
      countLine: `${line} (no violation for ${n.resolved.quietMinutes} min of logs)`,
      headline: `Resolved: ${what} ${line}`,
      samples: [],
    };
  }
  const since = n.window && n.sinceLastAlert > n.window.count ? ` (${n.sinceLastAlert} since the last alert)` : '';
  const countLine = n.window
    ? `${plural(n.window.count, 'violation')} in ${n.window.minutes} min over the ${threshold} threshold${since}`
    : n.sinceLastAlert > n.count
      ? `${plural(n.sinceLastAlert, 'violation')} since the last alert (${n.count} in this scan), threshold ${threshold}`
      : `${plural(n.count, 'violation')} over the ${threshold} threshold`;
  return {
    app,
    messageKey,
    resolved: false,
    countLine,
    headline: `Slow ${what}: ${plural(Math.max(n.count, n.sinceLastAlert), 'violation')}, worst ${formatDuration(n.worstMs)}`,
    samples: n.samples.slice(0, MAX_SAMPLES_SHOWN).map((sample) => ({
      sample,
      correlationId: sample.correlationId === null ? null : oneLine(sample.correlationId, TEXT_LIMITS.correlationId),
      message: sample.message === null ? null : oneLine(sample.message, TEXT_LIMITS.sampleMessage),
    })),
  };
}
