import type { AlertNotification } from '../notification.js';
import { formatClock, formatDuration, formatSpan, isHttpUrl } from './format.js';
import { escapeAttribute, escapeHtml } from './html.js';
import { splitHtmlLines, TELEGRAM_MESSAGE_LIMIT } from './html-split.js';
import { summarize } from './summary.js';
import { isolate, oneLine } from './text.js';

/**
 * The Telegram message (HTML parse mode) for a notification, as one or more parts of at most
 * 4096 characters each, to be sent in order. Every piece of log-derived text is escaped; the
 * only tags used are b, i, code and a. Each line is balanced HTML, so parts split at lines.
 */
export function renderTelegram(n: AlertNotification, limit: number = TELEGRAM_MESSAGE_LIMIT): string[] {
  return splitHtmlLines(telegramLines(n), limit);
}

function telegramLines(n: AlertNotification): string[] {
  const s = summarize(n);
  if (n.evaluation && n.incident) return windowLines(n, s.countLine);
  const lines = s.resolved
    ? ['✅ <b>lagwatch: resolved</b>']
    : [`🐢 <b>lagwatch: slow ${n.ruleType === 'message' ? 'message' : 'app'}</b>`];
  lines.push(`<b>App:</b> <code>${escapeHtml(s.app)}</code>`);
  if (s.messageKey !== null) lines.push(`<b>Message key:</b> <code>${escapeHtml(s.messageKey)}</code>`);
  lines.push(escapeHtml(s.countLine));
  lines.push(`<b>Worst:</b> ${formatDuration(n.worstMs)} · <b>p95:</b> ${formatDuration(n.p95Ms)}`);
  lines.push(`<b>When:</b> ${escapeHtml(formatSpan(n.firstAt, n.lastAt))}`);
  if (s.samples.length > 0) {
    lines.push('', '<b>Slowest:</b>');
    for (const { sample, correlationId, message } of s.samples) {
      let line = `• ${formatDuration(sample.durationMs)} at ${formatClock(sample.time)}`;
      if (correlationId) {
        // Not <code> inside <a>: Telegram's entities around code are best kept unnested.
        line += isHttpUrl(sample.traceUrl)
          ? ` <a href="${escapeAttribute(sample.traceUrl)}">${escapeHtml(correlationId)}</a>`
          : ` <code>${escapeHtml(correlationId)}</code>`;
      }
      if (message) line += ` — ${escapeHtml(isolate(message))}`;
      lines.push(line);
    }
  }
  if (isHttpUrl(n.dashboardUrl)) {
    lines.push('', `<a href="${escapeAttribute(n.dashboardUrl)}">Open in the lagwatch dashboard</a>`);
  }
  return lines;
}

/** A window kind's message: the kind's sentence, the rule, the window; the incident link. */
function windowLines(n: AlertNotification, sentence: string): string[] {
  const evaluation = n.evaluation!;
  const incident = n.incident!;
  const name = escapeHtml(oneLine(incident.name, 191));
  const lines = [
    n.kind === 'resolved'
      ? `✅ <b>lagwatch: resolved</b> · ${name}`
      : `${incident.event === 'reminder' ? '⏰' : '🐢'} <b>lagwatch: ${incident.event === 'reminder' ? 'still firing' : 'firing'}</b> · ${name}`,
    escapeHtml(sentence),
    `<b>Window:</b> ${escapeHtml(formatSpan(evaluation.windowFrom, evaluation.windowTo))}`,
  ];
  if (isHttpUrl(n.dashboardUrl)) {
    lines.push('', `<a href="${escapeAttribute(n.dashboardUrl)}">Open the incident in the lagwatch dashboard</a>`);
  }
  return lines;
}
