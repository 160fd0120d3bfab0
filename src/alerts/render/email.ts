import type { AlertNotification } from '../notification.js';
import { formatDuration, formatSpan, formatTime, isHttpUrl, ruleLabel } from './format.js';
import { escapeAttribute, escapeHtml } from './html.js';
import { summarize } from './summary.js';
import { oneLine } from './text.js';

export interface RenderedEmail {
  /** One line: no CR/LF or other control characters, at most SUBJECT_MAX_LENGTH characters. */
  subject: string;
  text: string;
  html: string;
}

export const SUBJECT_MAX_LENGTH = 150;

/** The email for a notification: a one-line subject, a plain-text body and an HTML body. */
export function renderEmail(n: AlertNotification): RenderedEmail {
  const s = summarize(n);
  const subject = oneLine(`[lagwatch] ${s.headline}`, SUBJECT_MAX_LENGTH);
  const facts: Array<[string, string]> = [['App', s.app]];
  if (s.messageKey !== null) facts.push(['Message key', s.messageKey]);
  if (n.evaluation && n.incident) facts.push(...windowFacts(n));
  else
    facts.push(
      [s.resolved ? 'Resolved' : 'Violations', s.countLine],
      ['Worst', formatDuration(n.worstMs)],
      ['p95', formatDuration(n.p95Ms)],
      ['Threshold', formatDuration(n.thresholdMs)],
      ['When', formatSpan(n.firstAt, n.lastAt)],
      ['Rule', ruleLabel(n)],
    );

  if (n.evaluation) facts.push(['Rule', `${ruleLabel(n)} (${oneLine(n.incident?.name ?? '', 191)})`]);
  const text: string[] = [s.headline, ''];
  for (const [label, value] of facts) text.push(`${label}: ${value}`);
  if (s.samples.length > 0) {
    text.push('', 'Slowest:');
    for (const { sample, correlationId, message } of s.samples) {
      let line = `- ${formatDuration(sample.durationMs)} at ${formatTime(sample.time)}`;
      if (correlationId) line += ` [${correlationId}]`;
      if (message) line += ` ${message}`;
      text.push(line);
      if (correlationId && isHttpUrl(sample.traceUrl)) text.push(`  trace: ${sample.traceUrl}`);
    }
  }
  if (isHttpUrl(n.dashboardUrl)) text.push('', `Dashboard: ${n.dashboardUrl}`);

  const html: string[] = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="font-size:16px">${escapeHtml(s.headline)}</h2>`,
    '<table cellpadding="4" style="border-collapse:collapse">',
    ...facts.map(
      ([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    ),
    '</table>',
  ];
  if (s.samples.length > 0) {
    html.push('<h3 style="font-size:14px">Slowest</h3><ul>');
    for (const { sample, correlationId, message } of s.samples) {
      let item = `${escapeHtml(formatDuration(sample.durationMs))} at ${escapeHtml(formatTime(sample.time))}`;
      if (correlationId) {
        const id = `<code>${escapeHtml(correlationId)}</code>`;
        item += isHttpUrl(sample.traceUrl) ? ` <a href="${escapeAttribute(sample.traceUrl)}">${id}</a>` : ` ${id}`;
      }
      if (message) item += ` <bdi>${escapeHtml(message)}</bdi>`;
      html.push(`<li>${item}</li>`);
    }
    html.push('</ul>');
  }
  if (isHttpUrl(n.dashboardUrl)) {
    html.push(`<p><a href="${escapeAttribute(n.dashboardUrl)}">Open in the lagwatch dashboard</a></p>`);
  }
  html.push('</body></html>');

  return { subject, text: `${text.join('\n')}\n`, html: html.join('\n') };
}

/** A window kind's figures: statistic, value, threshold, baseline, window, samples. */
function windowFacts(n: AlertNotification): Array<[string, string]> {
  const e = n.evaluation!;
  const figure = (value: number | null) =>
    value === null ? '-' : `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} ${e.unit}`;
  const facts: Array<[string, string]> = [
    ['Statistic', e.statistic],
    ['Value', figure(e.value)],
    ['Threshold', figure(e.threshold)],
  ];
  if (e.baselineValue !== null) facts.push(['Baseline', figure(e.baselineValue)]);
  facts.push(['Window', formatSpan(e.windowFrom, e.windowTo)], ['Samples', `${e.samples} logs`]);
  return facts;
}
