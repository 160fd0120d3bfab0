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
  // `count` is the whole set the notification reports (everything since the last one); rows
  // queued before that kept only the scan's violations in `count` and the total in `sinceLastAlert`.
  const total = Math.max(n.count, n.sinceLastAlert);
  const inScan = n.scanCount ?? n.count;
  const scanNote = total > inScan ? ` (${inScan} in this scan)` : '';
  const countLine = n.window
    ? total === n.window.count
      ? `${plural(total, 'violation')} in ${n.window.minutes} min over the ${threshold} threshold`
      : `${plural(total, 'violation')} since the last alert over the ${threshold} threshold (${n.window.count} in the last ${n.window.minutes} min)`
    : total > inScan
      ? `${plural(total, 'violation')} since the last alert${scanNote}, threshold ${threshold}`
      : `${plural(total, 'violation')} over the ${threshold} threshold`;
  return {
    app,
    messageKey,
    resolved: false,
    countLine,
    headline: `Slow ${what}: ${plural(total, 'violation')}, worst ${formatDuration(n.worstMs)}`,
    samples: n.samples.slice(0, MAX_SAMPLES_SHOWN).map((sample) => ({
      sample,
      correlationId: sample.correlationId === null ? null : oneLine(sample.correlationId, TEXT_LIMITS.correlationId),
      message: sample.message === null ? null : oneLine(sample.message, TEXT_LIMITS.sampleMessage),
    })),
  };
}
