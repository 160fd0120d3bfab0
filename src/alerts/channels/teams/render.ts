import type { AlertNotification } from '../../notification.js';
import { type ChatCard, type ChatCardSample, chatCard, fitEscaped, MUTE_LABEL } from '../../render/chat-card.js';

/** Teams refuses a message over about 28 KB; this leaves room for the request's own overhead. */
export const TEAMS_MAX_BYTES = 27_000;

export type TeamsElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      weight?: 'Bolder';
      size?: 'Medium';
      color?: 'Attention' | 'Warning' | 'Good';
      spacing?: 'Medium';
      isSubtle?: boolean;
    }
  | { type: 'FactSet'; facts: Array<{ title: string; value: string }> };

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.4';
  msteams: { width: 'Full' };
  body: TeamsElement[];
  actions: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
}

/** The Workflows webhook body: one message with one Adaptive Card attachment. */
export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }>;
}

/**
 * Adaptive Card markdown neutralised: a backslash before every character that could start
 * inline markup (no `[x](url)` link, no emphasis, no `<at>` tag), and before a list or heading
 * mark at the start (every escaped text starts its own line or cell).
 * Mentions also need `msteams.entities`, which lagwatch never sends.
 */
export function escapeTeams(text: string): string {
  return text
    .replace(/[\\*_~`[\]()<>]/g, '\\$&')
    .replace(/^([-+#])/, '\\$1')
    .replace(/^(\d+)\./, '$1\\.');
}

const linkUrl = (url: string) =>
  url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20').replace(/\*/g, '%2A');

const COLORS = { firing: 'Attention', reminder: 'Warning', resolved: 'Good' } as const;

export function renderTeams(n: AlertNotification): TeamsMessage {
  const card = chatCard(n);
  let samples = card.samples;
  for (;;) {
    const message = wrap(cardOf(card, samples, card.samples.length - samples.length));
    if (samples.length === 0 || Buffer.byteLength(JSON.stringify(message)) <= TEAMS_MAX_BYTES) return message;
    samples = samples.slice(0, -1);
  }
}

function wrap(content: AdaptiveCard): TeamsMessage {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

function cardOf(card: ChatCard, samples: ChatCardSample[], left: number): AdaptiveCard {
  const title = card.name ? `${card.title} · ${fitEscaped(card.name, 400, escapeTeams)}` : card.title;
  const body: TeamsElement[] = [
    { type: 'TextBlock', text: title, wrap: true, weight: 'Bolder', size: 'Medium', color: COLORS[card.tone] },
    { type: 'TextBlock', text: fitEscaped(card.summary, 1500, escapeTeams), wrap: true },
    {
      type: 'FactSet',
      facts: card.facts.map(({ label, value }) => ({ title: label, value: fitEscaped(value, 600, escapeTeams) })),
    },
  ];
  if (samples.length > 0) {
    body.push({ type: 'TextBlock', text: 'Slowest', wrap: true, weight: 'Bolder', spacing: 'Medium' });
    for (const sample of samples) body.push({ type: 'TextBlock', text: sampleLine(sample), wrap: true });
    if (left > 0)
      body.push({ type: 'TextBlock', text: `…and ${left} more in the dashboard`, wrap: true, isSubtle: true });
  }
  const actions: AdaptiveCard['actions'] = [];
  if (card.dashboard) actions.push({ type: 'Action.OpenUrl', title: card.dashboard.label, url: card.dashboard.url });
  const traced = samples.find((sample) => sample.traceUrl);
  if (traced?.traceUrl) actions.push({ type: 'Action.OpenUrl', title: 'Worst trace', url: traced.traceUrl });
  if (card.muteUrl) actions.push({ type: 'Action.OpenUrl', title: MUTE_LABEL, url: card.muteUrl });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    msteams: { width: 'Full' },
    body,
    actions,
  };
}

/** "• 2.35 s at 10:01:01 [req-1](trace) — message". */
function sampleLine(sample: ChatCardSample): string {
  let line = `• ${sample.figure}`;
  if (sample.correlationId) {
    const id = fitEscaped(sample.correlationId, 200, escapeTeams);
    line += ` ${sample.traceUrl ? `[${id}](${linkUrl(sample.traceUrl)})` : id}`;
  }
  if (sample.message) line += ` — ${fitEscaped(sample.message, 700, escapeTeams)}`;
  return line;
}
