import { muteFormUrl } from '../../dashboard-link.js';
import type { AlertNotification } from '../../notification.js';
import { formatClock, formatDuration, formatSpan, isHttpUrl, ruleLabel } from '../../render/format.js';
import { escapeAttribute, escapeHtml } from '../../render/html.js';
import { gist, seriesKey } from '../../render/series-key.js';
import { summarize } from '../../render/summary.js';
import { oneLine, truncate } from '../../render/text.js';

/** Google Chat's limits: a message's `text`, and the whole message as sent. */
export const GOOGLE_CHAT_TEXT_LIMIT = 4096;
export const GOOGLE_CHAT_MESSAGE_BYTES = 32_000;
/** Room left under the byte limit for what the sender adds (nothing today) and rounding. */
const BYTE_BUDGET = GOOGLE_CHAT_MESSAGE_BYTES - 1_000;

export interface GoogleChatButton {
  text: string;
  onClick: { openLink: { url: string } };
}

export type GoogleChatWidget =
  | { decoratedText: { topLabel: string; text: string; wrapText: true } }
  | { textParagraph: { text: string } }
  | { buttonList: { buttons: GoogleChatButton[] } };

export interface GoogleChatSection {
  header?: string;
  widgets: GoogleChatWidget[];
}

/** The body of `POST spaces/…/messages` (a Message with `text` and Cards v2). */
export interface GoogleChatMessage {
  text: string;
  cardsV2: Array<{
    cardId: string;
    card: { header: { title: string; subtitle?: string }; sections: GoogleChatSection[] };
  }>;
}

/**
 * The thread a notification goes to: one per rule (and series for window kinds), so an alert,
 * its reminders and its resolution read as one conversation.
 */
export function googleChatThreadKey(n: AlertNotification): string {
  return seriesKey(n);
}

/**
 * A notification as a Google Chat message: a short `text` (what notifications and clients
 * without cards show) and one card with the facts, the slowest samples and link buttons to the
 * dashboard, the worst trace and the "Mute 1 h" form. Log text is escaped for the card's HTML
 * subset and neutralised in `text` (no `<users/all>` mention or `<url|link>` from a log works);
 * samples are dropped from the end until the message fits Google Chat's 32,000 bytes.
 */
export function renderGoogleChat(n: AlertNotification): GoogleChatMessage {
  const samples = summarize(n).samples.length;
  for (let shown = samples; ; shown--) {
    const message = build(n, shown);
    if (shown === 0 || Buffer.byteLength(JSON.stringify(message)) <= BYTE_BUDGET) return message;
  }
}

function build(n: AlertNotification, samplesShown: number): GoogleChatMessage {
  const g = gist(n);
  const s = summarize(n);
  const windowed = n.evaluation !== undefined && n.incident !== undefined;
  const icon = g.resolved ? '✅' : g.reminder ? '⏰' : '🐢';
  const text = truncate(`${icon} lagwatch: ${neutraliseChatText(g.headline)}`, GOOGLE_CHAT_TEXT_LIMIT);

  const facts: GoogleChatWidget[] = [];
  const fact = (label: string, value: string) =>
    facts.push({ decoratedText: { topLabel: label, text: escapeHtml(value), wrapText: true } });
  if (g.sentence !== undefined) {
    facts.push({ textParagraph: { text: escapeHtml(g.sentence) } });
    if (windowed) fact('Window', formatSpan(n.evaluation!.windowFrom, n.evaluation!.windowTo));
  } else {
    fact('App', s.app);
    if (s.messageKey !== null) fact('Message key', s.messageKey);
    facts.push({ textParagraph: { text: escapeHtml(s.countLine) } });
    fact('Worst · p95', `${formatDuration(n.worstMs)} · ${formatDuration(n.p95Ms)}`);
    fact('When', formatSpan(n.firstAt, n.lastAt));
  }
  const sections: GoogleChatSection[] = [{ widgets: facts }];

  const shown = s.samples.slice(0, samplesShown);
  if (shown.length > 0) {
    const lines = shown.map(({ sample, correlationId, message }) => {
      let line = `• ${formatDuration(sample.durationMs)} at ${formatClock(sample.time)}`;
      if (correlationId) {
        line += isHttpUrl(sample.traceUrl)
          ? ` <a href="${escapeAttribute(sample.traceUrl)}">${escapeHtml(correlationId)}</a>`
          : ` ${escapeHtml(correlationId)}`;
      }
      if (message) line += ` — ${escapeHtml(message)}`;
      return line;
    });
    const more = n.samples.length - shown.length;
    if (more > 0) lines.push(`… and ${more} more on the dashboard`);
    sections.push({ header: 'Slowest', widgets: [{ textParagraph: { text: lines.join('<br>') } }] });
  }

  const buttons = linkButtons(n, windowed, g.resolved);
  if (buttons.length > 0) sections.push({ widgets: [{ buttonList: { buttons } }] });

  return {
    text,
    cardsV2: [{ cardId: 'lagwatch-notification', card: { header: header(n, g, windowed), sections } }],
  };
}

/** The card's header: plain text, no log text (the rule's name is the user's own). */
function header(
  n: AlertNotification,
  g: ReturnType<typeof gist>,
  windowed: boolean,
): GoogleChatMessage['cardsV2'][number]['card']['header'] {
  const legacy = n.ruleType === 'message' || n.ruleType === 'app';
  const what = g.resolved
    ? 'resolved'
    : g.reminder
      ? 'still firing'
      : legacy && !windowed && g.sentence === undefined
        ? `slow ${n.ruleType}`
        : 'firing';
  const name = n.incident ? oneLine(n.incident.name, 120) : '';
  return { title: `lagwatch: ${what}`, subtitle: name || ruleLabel(n) };
}

function linkButtons(n: AlertNotification, windowed: boolean, resolved: boolean): GoogleChatButton[] {
  const buttons: GoogleChatButton[] = [];
  const open = (text: string, url: string) => buttons.push({ text, onClick: { openLink: { url } } });
  if (isHttpUrl(n.dashboardUrl)) {
    open(windowed && n.dashboardUrl.includes('#/incidents') ? 'Open incident' : 'Open dashboard', n.dashboardUrl);
  }
  const trace = n.samples.find((sample) => isHttpUrl(sample.traceUrl))?.traceUrl;
  if (trace) open('Worst trace', trace);
  const mute = resolved ? undefined : muteFormUrl(n.dashboardUrl, n.app, n.messageKey);
  if (mute) open('Mute 1 h', mute);
  return buttons;
}

/**
 * Log text made inert for Google Chat's message-text formatting: `<users/all>`, `<users/123>`
 * and `<https://…|label>` only work when `<` is followed by the name, so a zero-width space goes
 * between them; the markers `*`, `_`, `~` and `` ` `` get one in front so they do not pair up.
 * What the reader sees is unchanged.
 */
export function neutraliseChatText(text: string): string {
  return text.replace(/</g, '<\u200b').replace(/([*_~`])/g, '\u200b$1');
}

/** The message as its reader sees it, without markup: for previews. */
export function googleChatPlainText(message: GoogleChatMessage): string {
  const lines = [message.text.replace(/\u200b/g, '')];
  for (const { card } of message.cardsV2) {
    lines.push('', card.header.title + (card.header.subtitle ? ` · ${card.header.subtitle}` : ''));
    for (const section of card.sections) {
      if (section.header) lines.push('', `${section.header}:`);
      for (const widget of section.widgets) {
        if ('decoratedText' in widget)
          lines.push(`${widget.decoratedText.topLabel}: ${unHtml(widget.decoratedText.text)}`);
        else if ('textParagraph' in widget) lines.push(...unHtml(widget.textParagraph.text).split('\n'));
        else for (const b of widget.buttonList.buttons) lines.push(`[${b.text}] ${b.onClick.openLink.url}`);
      }
    }
  }
  return lines.join('\n');
}

function unHtml(html: string): string {
  return html
    .replace(/<br>/g, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
