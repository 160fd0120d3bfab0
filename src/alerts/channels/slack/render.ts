import type { AlertNotification } from '../../notification.js';
import { type ChatCard, type ChatCardSample, chatCard, fitEscaped, MUTE_LABEL } from '../../render/chat-card.js';
import { truncate } from '../../render/text.js';

/** Slack's Block Kit limits (incoming webhooks refuse a message over them with 400 invalid_blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  /** The top-level `text`: Slack truncates past 40,000; the fallback stays far below. */
  text: 3000,
} as const;

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
  verbatim?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' }
  | {
      type: 'actions';
      elements: Array<{
        type: 'button';
        text: SlackText;
        url: string;
        action_id: string;
        style?: 'primary' | 'danger';
      }>;
    };

/** The incoming-webhook body: `text` is the notification and fallback, `blocks` the message. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Slack's three control characters escaped: with no `<` left in log text, no `<!channel>`,
 * `<@U…>` or `<url|text>` can come from a log. mrkdwn blocks with log text are also `verbatim`,
 * so bare URLs and #channel names in logs are not turned into links either.
 */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (ch) => ESCAPES[ch]!);
}

/** `<url|label>`: the URL with Slack's controls and the `|` separator encoded. */
function slackLink(url: string, label: string): string {
  return `<${escapeSlack(url).replace(/\|/g, '%7C')}|${label}>`;
}

const mrkdwn = (text: string): SlackText => ({ type: 'mrkdwn', text, verbatim: true });

export function renderSlack(n: AlertNotification): SlackMessage {
  const card = chatCard(n);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(card.title, SLACK_LIMITS.headerText), emoji: true } },
  ];
  const name = card.name ? `*${fitEscaped(card.name, 900, escapeSlack)}*\n` : '';
  blocks.push({ type: 'section', text: mrkdwn(`${name}${fitEscaped(card.summary, 2000, escapeSlack)}`) });
  blocks.push({
    type: 'section',
    fields: card.facts
      .slice(0, SLACK_LIMITS.sectionFields)
      .map(({ label, value }) => mrkdwn(`*${label}*\n${fitEscaped(value, SLACK_LIMITS.fieldText - 40, escapeSlack)}`)),
  });
  if (card.samples.length > 0) {
    blocks.push({ type: 'context', elements: [mrkdwn('*Slowest*')] });
    for (const sample of card.samples) blocks.push({ type: 'section', text: mrkdwn(sampleLine(sample)) });
  }
  const buttons = buttonsOf(card);
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  return { text: fitEscaped(card.headline, SLACK_LIMITS.text, escapeSlack), blocks };
}

/** "• 2.35 s at 10:01:01 <trace|req-1> — message": within a section's 3000 characters. */
function sampleLine(sample: ChatCardSample): string {
  let line = `• ${sample.figure}`;
  if (sample.correlationId) {
    const id = fitEscaped(sample.correlationId, 500, escapeSlack);
    line += ` ${sample.traceUrl ? slackLink(sample.traceUrl, id) : id}`;
  }
  if (sample.message)
    line += ` — ${fitEscaped(sample.message, SLACK_LIMITS.sectionText - line.length - 10, escapeSlack)}`;
  return line;
}

function buttonsOf(card: ChatCard): Extract<SlackBlock, { type: 'actions' }>['elements'] {
  const buttons: Extract<SlackBlock, { type: 'actions' }>['elements'] = [];
  const button = (label: string, url: string, id: string, style?: 'primary' | 'danger') => {
    if (url.length > SLACK_LIMITS.buttonUrl) return;
    buttons.push({
      type: 'button',
      text: { type: 'plain_text', text: truncate(label, SLACK_LIMITS.buttonText), emoji: true },
      url,
      action_id: id,
      ...(style ? { style } : {}),
    });
  };
  if (card.dashboard) button(card.dashboard.label, card.dashboard.url, 'lagwatch-dashboard', 'primary');
  const traced = card.samples.find((sample) => sample.traceUrl);
  if (traced?.traceUrl) button('Worst trace', traced.traceUrl, 'lagwatch-trace');
  if (card.muteUrl) button(MUTE_LABEL, card.muteUrl, 'lagwatch-mute', 'danger');
  return buttons;
}
