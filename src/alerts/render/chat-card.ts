import { muteFormUrl } from '../dashboard-link.js';
import type { AlertNotification } from '../notification.js';
import { formatClock, formatDuration, formatSpan, isHttpUrl } from './format.js';
import { summarize, TEXT_LIMITS } from './summary.js';
import { oneLine } from './text.js';

/**
 * A notification as the card-style chat channels (Slack, Teams, Discord) lay it out: a title,
 * the count line or sentence, labelled facts, the slowest samples with their trace links, and
 * link buttons. Every string is plain, cleaned text (one line, no controls, bounded); each
 * channel escapes it for its own markup. Fields marked "from logs" must be escaped there.
 */
export interface ChatCard {
  tone: 'firing' | 'reminder' | 'resolved';
  /** "🐢 lagwatch: slow message", "✅ lagwatch: resolved", "⏰ lagwatch: still firing". */
  title: string;
  /** The rule's name for window kinds (user text), else null. */
  name: string | null;
  /** One line saying it all (from logs): the fallback and notification text. */
  headline: string;
  /** The count line or the kind's sentence (from logs). */
  summary: string;
  /** Label and value (values from logs). */
  facts: Array<{ label: string; value: string }>;
  samples: ChatCardSample[];
  /** The dashboard link: the rule's violations or the incident. */
  dashboard: { label: string; url: string } | undefined;
  /** The pre-filled "Mute 1 h" form; only on notifications that fire. */
  muteUrl: string | undefined;
}

export interface ChatCardSample {
  /** "2.35 s at 10:01:01". */
  figure: string;
  /** From logs. */
  correlationId: string | null;
  traceUrl: string | undefined;
  /** From logs. */
  message: string | null;
}

export const MUTE_LABEL = 'Mute 1 h';

export function chatCard(n: AlertNotification): ChatCard {
  const s = summarize(n);
  const resolved = s.resolved || n.kind === 'resolved';
  const dashboardUrl = isHttpUrl(n.dashboardUrl) ? n.dashboardUrl : undefined;
  const muteUrl = resolved ? undefined : muteFormUrl(n.dashboardUrl, n.app, n.messageKey);
  const facts: ChatCard['facts'] = [{ label: 'App', value: s.app }];
  // A key of only spaces cleans to nothing; chat fields must not be empty.
  if (s.messageKey !== null) facts.push({ label: 'Message key', value: s.messageKey || '(empty)' });

  if (n.evaluation && n.incident) {
    const event = n.incident.event;
    const tone = resolved ? 'resolved' : event === 'reminder' ? 'reminder' : 'firing';
    facts.push({ label: 'Window', value: formatSpan(n.evaluation.windowFrom, n.evaluation.windowTo) });
    return {
      tone,
      title: TITLES[tone === 'firing' ? 'windowFiring' : tone],
      name: oneLine(n.incident.name, 191) || null,
      headline: s.headline,
      summary: s.countLine,
      facts,
      samples: [],
      dashboard: link(dashboardUrl, 'Open the incident'),
      muteUrl,
    };
  }
  if (n.sentence !== undefined && !n.evaluation) {
    // A kind this template does not know (self-alerts): its sentence says it.
    const sentence = oneLine(n.sentence, TEXT_LIMITS.sentence);
    const times = Number.isFinite(n.firstAt) && Number.isFinite(n.lastAt) && n.firstAt > 0;
    return {
      tone: resolved ? 'resolved' : 'firing',
      title: resolved ? TITLES.resolved : TITLES.generic,
      name: null,
      headline: resolved ? `Resolved: ${sentence}` : sentence,
      summary: sentence,
      facts: times ? [...facts, { label: 'When', value: formatSpan(n.firstAt, n.lastAt) }] : facts,
      samples: [],
      dashboard: link(dashboardUrl, 'Open in the dashboard'),
      muteUrl,
    };
  }
  if (!resolved) {
    facts.push({ label: 'Worst', value: formatDuration(n.worstMs) }, { label: 'p95', value: formatDuration(n.p95Ms) });
  }
  facts.push({ label: 'When', value: formatSpan(n.firstAt, n.lastAt) });
  return {
    tone: resolved ? 'resolved' : 'firing',
    title: resolved ? TITLES.resolved : n.ruleType === 'message' ? TITLES.slowMessage : TITLES.slowApp,
    name: null,
    headline: s.headline,
    summary: s.countLine,
    facts,
    samples: s.samples.map(({ sample, correlationId, message }) => ({
      figure: `${formatDuration(sample.durationMs)} at ${formatClock(sample.time)}`,
      correlationId,
      traceUrl: correlationId && isHttpUrl(sample.traceUrl) ? sample.traceUrl : undefined,
      message,
    })),
    dashboard: link(dashboardUrl, 'Open in the dashboard'),
    muteUrl,
  };
}

const link = (url: string | undefined, label: string) => (url === undefined ? undefined : { label, url });

const TITLES = {
  slowMessage: '🐢 lagwatch: slow message',
  slowApp: '🐢 lagwatch: slow app',
  windowFiring: '🐢 lagwatch: firing',
  reminder: '⏰ lagwatch: still firing',
  resolved: '✅ lagwatch: resolved',
  generic: '🔔 lagwatch: alert',
} as const;

/** The card as its reader sees it, without markup: previews and `test:channel`. */
export function chatCardText(card: ChatCard): string {
  const lines = [card.name ? `${card.title} · ${card.name}` : card.title, card.summary];
  for (const { label, value } of card.facts) lines.push(`${label}: ${value}`);
  if (card.samples.length > 0) {
    lines.push('', 'Slowest:');
    for (const sample of card.samples) lines.push(`• ${sampleText(sample)}`);
  }
  const links = [card.dashboard && `${card.dashboard.label}: ${card.dashboard.url}`];
  if (card.muteUrl) links.push(`${MUTE_LABEL}: ${card.muteUrl}`);
  const present = links.filter((link): link is string => link !== undefined);
  if (present.length > 0) lines.push('', ...present);
  return lines.join('\n');
}

/** "2.35 s at 10:01:01 req-1 — GET /orders took too long" (plain). */
export function sampleText(sample: ChatCardSample): string {
  let line = sample.figure;
  if (sample.correlationId) line += ` ${sample.correlationId}`;
  if (sample.message) line += ` — ${sample.message}`;
  return line;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` escaped for a markup, cut (at a grapheme, with an ellipsis) so the escaped form is at
 * most `max` characters: limits count what is sent, and escaping can grow text fivefold.
 */
export function fitEscaped(text: string, max: number, escapeFor: (text: string) => string): string {
  const whole = escapeFor(text);
  if (whole.length <= max) return whole;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    const next = escapeFor(segment);
    if (out.length + next.length > max - 1) break;
    out += next;
  }
  return `${out.trimEnd()}…`;
}
