/**
 * The README's pictures of Slack, Teams, Discord and Google Chat messages and of a PagerDuty
 * incident: each service's real wire JSON (as the providers render it) drawn as an HTML mock of
 * the service's look, screenshot in Chromium. `npx tsx scripts/chat-screenshots.ts`
 * (CHROMIUM_PATH, default /usr/bin/chromium) writes
 * docs/screenshots/{slack,teams,discord,google-chat,pagerduty}.png (or only the ones named as
 * arguments). The mocks only approximate
 * each client.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { renderDiscord } from '../src/alerts/channels/discord/render.js';
import { type GoogleChatWidget, renderGoogleChat } from '../src/alerts/channels/google-chat/render.js';
import { type PagerDutyEvent, renderPagerDuty } from '../src/alerts/channels/pagerduty/render.js';
import { renderSlack, type SlackBlock } from '../src/alerts/channels/slack/render.js';
import { renderTeams } from '../src/alerts/channels/teams/render.js';
import { violationsUrl } from '../src/alerts/dashboard-link.js';
import type { AlertNotification } from '../src/alerts/notification.js';

const at = Date.parse('2026-12-06T10:00:01Z');
const alert: AlertNotification = {
  kind: 'alert',
  ruleType: 'message',
  ruleId: 7,
  app: 'checkout-api',
  messageKey: 'POST /orders',
  thresholdMs: 800,
  count: 4,
  sinceLastAlert: 4,
  worstMs: 2345,
  p95Ms: 1900,
  firstAt: at,
  lastAt: at + 178_000,
  samples: [
    ['req-7f3a', 2345, 'POST /orders took 2345 ms <!channel> @everyone'],
    ['req-91c2', 1900, 'POST /orders took 1900 ms (payment provider slow)'],
    ['req-22be', 1210, 'POST /orders took 1210 ms'],
  ].map(([id, ms, message], i) => ({
    correlationId: String(id),
    durationMs: Number(ms),
    time: at + i * 60_000,
    message: String(message),
    traceUrl: `https://lagwatch.example.com/#/trace/${id}`,
  })),
  dashboardUrl: violationsUrl('https://lagwatch.example.com', {
    ruleType: 'message',
    ruleId: 7,
    app: 'checkout-api',
    messageKey: 'POST /orders',
    firstAt: at,
    lastAt: at + 178_000,
  }),
};
const resolved: AlertNotification = {
  ...alert,
  kind: 'resolved',
  samples: [],
  resolved: { durationMinutes: 3, violations: 4, quietMinutes: 5 },
};

/** A made-up integration key: the event carries it, the picture never shows it. */
const ROUTING_KEY = 'R0000000000000000000000000000000';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const a = (url: string, label: string) => `<a href="${esc(url)}">${label}</a>`;

/** Slack mrkdwn: entities, `<url|label>`, *bold*, line breaks. */
function slackHtml(text: string): string {
  const decode = (t: string) => t.replace(/&(amp|lt|gt);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>' })[e]!);
  const text2 = (t: string) => esc(decode(t)).replace(/\*([^*\n]+)\*/g, '<b>$1</b>');
  let html = '';
  let last = 0;
  for (const m of text.matchAll(/<([^<>|]+)\|([^<>]*)>/g)) {
    html += text2(text.slice(last, m.index)) + a(decode(m[1]!), esc(decode(m[2]!)));
    last = m.index + m[0].length;
  }
  return (html + text2(text.slice(last))).replace(/\n/g, '<br>');
}

/** Teams and Discord markdown: `\x` escapes, `[label](url)`, **bold**. */
function markdownHtml(text: string): string {
  const parts: string[] = [];
  const hidden = text.replace(/\\(.)/g, (_m, c: string) => String.fromCharCode(0xe000 + c.charCodeAt(0)));
  const unhide = (s: string) => s.replace(/[\ue000-\ue0ff]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xe000));
  let last = 0;
  for (const m of hidden.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) {
    parts.push(esc(unhide(hidden.slice(last, m.index))), a(unhide(m[2]!), esc(unhide(m[1]!))));
    last = m.index + m[0].length;
  }
  parts.push(esc(unhide(hidden.slice(last))));
  return parts
    .join('')
    .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
    .replace(/\n/g, '<br>');
}

function slackMock(n: AlertNotification): string {
  const blocks = renderSlack(n).blocks.map((block: SlackBlock) => {
    switch (block.type) {
      case 'header':
        return `<div class="s-header">${esc(block.text.text)}</div>`;
      case 'section':
        return block.fields
          ? `<div class="s-fields">${block.fields.map((f) => `<div>${slackHtml(f.text)}</div>`).join('')}</div>`
          : `<div class="s-section">${slackHtml(block.text!.text)}</div>`;
      case 'context':
        return `<div class="s-context">${block.elements.map((e) => slackHtml(e.text)).join(' ')}</div>`;
      case 'actions':
        return `<div class="s-actions">${block.elements.map((b) => `<span class="s-button ${b.style ?? ''}">${esc(b.text.text)}</span>`).join('')}</div>`;
      default:
        return '';
    }
  });
  return `<div class="s-msg"><div class="s-avatar">lw</div><div><div class="s-name">lagwatch <span class="s-app">APP</span> <span class="s-time">10:05</span></div>${blocks.join('')}</div></div>`;
}

function teamsMock(n: AlertNotification): string {
  const card = renderTeams(n).attachments[0]!.content;
  const body = card.body.map((el) =>
    el.type === 'FactSet'
      ? `<table class="t-facts">${el.facts.map((f) => `<tr><th>${esc(f.title)}</th><td>${markdownHtml(f.value)}</td></tr>`).join('')}</table>`
      : `<div class="t-text ${el.weight === 'Bolder' ? 'bold' : ''} ${el.size === 'Medium' ? 'medium' : ''} ${el.color ?? ''}">${markdownHtml(el.text)}</div>`,
  );
  const actions = card.actions.map((act) => `<span class="t-button">${esc(act.title)}</span>`).join('');
  return `<div class="t-msg"><div class="t-name">lagwatch via Workflows <span class="s-time">10:05</span></div><div class="t-card">${body.join('')}<div class="t-actions">${actions}</div></div></div>`;
}

function discordMock(n: AlertNotification): string {
  const message = renderDiscord(n);
  const embed = message.embeds[0]!;
  const color = `#${embed.color.toString(16).padStart(6, '0')}`;
  const fields = embed.fields
    .map(
      (f) =>
        `<div class="d-field ${f.inline ? 'inline' : ''}"><b>${esc(f.name)}</b><div>${markdownHtml(f.value)}</div></div>`,
    )
    .join('');
  return `<div class="d-msg"><div class="d-avatar">lw</div><div><div class="d-name">lagwatch <span class="d-bot">APP</span> <span class="d-time">Today at 10:05</span></div>
<div class="d-content">${markdownHtml(message.content)}</div>
<div class="d-embed" style="border-left-color:${color}"><div class="d-title">${embed.url ? a(embed.url, markdownHtml(embed.title)) : markdownHtml(embed.title)}</div>
<div class="d-desc">${markdownHtml(embed.description)}</div><div class="d-fields">${fields}</div><div class="d-footer">${esc(embed.footer.text)}</div></div></div></div>`;
}

/** Google Chat: the message text, then the card (header, sections of widgets, buttons). */
function googleChatMock(n: AlertNotification): string {
  const message = renderGoogleChat(n);
  const { header, sections } = message.cardsV2[0]!.card;
  // Card text is already Chat's HTML subset (escaped log text, <a>, <br>): shown as Chat shows it.
  const widget = (w: GoogleChatWidget) =>
    'decoratedText' in w
      ? `<div class="g-deco"><div class="g-label">${esc(w.decoratedText.topLabel)}</div><div>${w.decoratedText.text}</div></div>`
      : 'textParagraph' in w
        ? `<div class="g-para">${w.textParagraph.text}</div>`
        : `<div class="g-buttons">${w.buttonList.buttons.map((b) => `<span class="g-button">${esc(b.text)}</span>`).join('')}</div>`;
  const body = sections
    .map(
      (section) =>
        `<div class="g-section">${section.header ? `<div class="g-sheader">${esc(section.header)}</div>` : ''}${section.widgets.map(widget).join('')}</div>`,
    )
    .join('');
  return `<div class="g-msg"><div class="g-avatar">lw</div><div class="g-main"><div class="g-name">lagwatch <span class="g-app">App</span> <span class="g-time">10:05 AM</span></div>
<div class="g-text">${esc(message.text)}</div>
<div class="g-card"><div class="g-header"><div class="g-title">${esc(header.title)}</div>${header.subtitle ? `<div class="g-subtitle">${esc(header.subtitle)}</div>` : ''}</div>${body}</div></div></div>`;
}

/** A custom-details value as PagerDuty's incident page lists it: nested objects as nested tables. */
function detailHtml(value: unknown): string {
  if (Array.isArray(value))
    return value
      .map((item, i) => `<div class="p-item"><span class="p-idx">${i}</span>${detailHtml(item)}</div>`)
      .join('');
  if (typeof value === 'object' && value !== null) {
    return `<table class="p-details">${Object.entries(value)
      .map(([key, v]) => `<tr><th>${esc(key)}</th><td>${detailHtml(v)}</td></tr>`)
      .join('')}</table>`;
  }
  return esc(String(value));
}

/** PagerDuty: the incident the trigger opens (summary, severity, fields, custom details, links), then its resolution. */
function pagerDutyMock(trigger: PagerDutyEvent, resolve: PagerDutyEvent): string {
  if (trigger.event_action !== 'trigger') throw new Error('a trigger was expected');
  const p = trigger.payload;
  const fields = [
    ['Source', p.source],
    ['Component', p.component],
    ['Group', p.group],
    ['Class', p.class],
    ['Timestamp', p.timestamp],
    ['Dedup key', trigger.dedup_key],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `<tr><th>${k}</th><td>${esc(String(v))}</td></tr>`)
    .join('');
  const links = trigger.links.map((l) => `<li>${a(l.href, esc(l.text))}</li>`).join('');
  return `<div class="p-page"><div class="p-top"><span class="p-status">Triggered</span><span class="p-sev ${p.severity}">${esc(p.severity)}</span><span class="p-service">Service: your PagerDuty service (Events API v2 integration)</span></div>
<div class="p-summary">${esc(p.summary)}</div>
<div class="p-cols"><div><div class="p-h">Alert details</div><table class="p-fields">${fields}</table>
<div class="p-h">Links</div><ul class="p-links">${links}</ul></div>
<div><div class="p-h">Custom details</div>${detailHtml(p.custom_details)}</div></div>
<div class="p-timeline"><span class="p-status resolved">Resolved</span> by a <code>${esc(resolve.event_action)}</code> event with the same dedup key <code>${esc(resolve.dedup_key)}</code>, 3 min later</div></div>`;
}

const STYLE = `
body { margin: 0; padding: 16px; width: 760px; font: 15px/1.45 "DejaVu Sans", Arial, sans-serif; }
a { text-decoration: none; }
.slack { background: #fff; color: #1d1c1d; } .slack a { color: #1264a3; }
.s-msg { display: flex; gap: 10px; margin-bottom: 22px; } .s-avatar, .d-avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a7c59; color: #fff; display: grid; place-items: center; font-weight: bold; flex: none; }
.s-name { font-weight: bold; } .s-app { font-size: 10px; background: #ddd; padding: 1px 3px; border-radius: 2px; color: #555; } .s-time { font-weight: normal; color: #616061; font-size: 12px; }
.s-header { font-size: 18px; font-weight: 900; margin: 4px 0 6px; } .s-section { margin: 4px 0; }
.s-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 16px; margin: 8px 0; } .s-context { color: #616061; font-size: 13px; margin-top: 8px; }
.s-actions { margin-top: 10px; display: flex; gap: 8px; } .s-button { border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px; font-weight: bold; font-size: 13px; }
.s-button.primary { background: #007a5a; color: #fff; border-color: #007a5a; } .s-button.danger { color: #e01e5a; }
.teams { background: #f5f5f5; color: #242424; } .teams a { color: #5b5fc7; }
.t-msg { margin-bottom: 22px; } .t-name { font-size: 13px; color: #616161; margin-bottom: 4px; }
.t-card { background: #fff; border-radius: 6px; padding: 14px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.15); }
.t-text { margin: 6px 0; } .t-text.bold { font-weight: 600; } .t-text.medium { font-size: 17px; }
.t-text.Attention { color: #c4314b; } .t-text.Good { color: #237b4b; } .t-text.Warning { color: #c19c00; }
.t-facts th { text-align: left; padding: 2px 14px 2px 0; font-weight: 600; } .t-facts td { padding: 2px 0; }
.t-actions { display: flex; gap: 8px; margin-top: 12px; } .t-button { border: 1px solid #d1d1d1; border-radius: 4px; padding: 5px 14px; font-weight: 600; font-size: 14px; }
.discord { background: #313338; color: #dbdee1; } .discord a { color: #00a8fc; }
.d-msg { display: flex; gap: 14px; margin-bottom: 22px; } .d-avatar { border-radius: 50%; width: 40px; height: 40px; }
.d-name { color: #f2f3f5; font-weight: 600; } .d-bot { background: #5865f2; color: #fff; font-size: 10px; padding: 1px 4px; border-radius: 3px; } .d-time { color: #949ba4; font-size: 12px; font-weight: normal; }
.d-embed { background: #2b2d31; border-left: 4px solid; border-radius: 4px; padding: 10px 14px; margin-top: 6px; max-width: 640px; }
.d-title { font-weight: 600; margin-bottom: 6px; } .d-desc { font-size: 14px; } .d-fields { display: flex; flex-wrap: wrap; gap: 8px 20px; margin-top: 8px; font-size: 14px; }
.d-field { flex: 1 0 100%; } .d-field.inline { flex: 0 0 auto; min-width: 150px; } .d-footer { color: #949ba4; font-size: 12px; margin-top: 8px; }
.gchat { background: #fff; color: #1f1f1f; } .gchat a { color: #0b57d0; }
.g-msg { display: flex; gap: 12px; margin-bottom: 22px; } .g-avatar { width: 32px; height: 32px; border-radius: 50%; background: #4a7c59; color: #fff; display: grid; place-items: center; font-weight: bold; flex: none; font-size: 13px; }
.g-main { flex: 1; } .g-name { font-weight: 500; font-size: 14px; } .g-app { font-size: 11px; background: #e8eaed; padding: 1px 4px; border-radius: 3px; color: #444; } .g-time { color: #5f6368; font-size: 12px; font-weight: normal; }
.g-text { margin: 2px 0 8px; } .g-card { border: 1px solid #dadce0; border-radius: 8px; max-width: 600px; }
.g-header { padding: 12px 16px; border-bottom: 1px solid #dadce0; } .g-title { font-weight: 500; font-size: 16px; } .g-subtitle { color: #5f6368; font-size: 13px; }
.g-section { padding: 8px 16px; border-bottom: 1px solid #eee; } .g-section:last-child { border-bottom: 0; } .g-sheader { color: #5f6368; font-size: 13px; font-weight: 500; margin-bottom: 4px; }
.g-deco { margin: 6px 0; } .g-label { color: #5f6368; font-size: 12px; } .g-para { margin: 6px 0; font-size: 14px; }
.g-buttons { display: flex; gap: 8px; flex-wrap: wrap; margin: 4px 0; } .g-button { color: #0b57d0; font-weight: 500; font-size: 14px; padding: 6px 12px; border-radius: 16px; border: 1px solid #dadce0; }
.pagerduty { background: #f4f4f4; color: #1b1b1b; } .pagerduty a { color: #0568ae; }
.p-page { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 16px 18px; }
.p-top { display: flex; gap: 10px; align-items: center; font-size: 13px; } .p-status { background: #d1223d; color: #fff; padding: 2px 8px; border-radius: 3px; font-weight: bold; } .p-status.resolved { background: #048a24; }
.p-sev { padding: 2px 8px; border-radius: 3px; font-weight: bold; text-transform: capitalize; } .p-sev.critical { background: #7d0c1f; color: #fff; } .p-sev.error { background: #f3a712; } .p-sev.warning { background: #ffd95c; } .p-sev.info { background: #cde4f7; }
.p-service { color: #555; } .p-summary { font-size: 19px; font-weight: 600; margin: 10px 0 12px; }
.p-cols { display: grid; grid-template-columns: 270px 1fr; gap: 16px; font-size: 13px; } .p-h { font-weight: 700; text-transform: uppercase; font-size: 11px; color: #666; margin: 8px 0 4px; letter-spacing: .04em; }
.p-fields th, .p-details th { text-align: left; padding: 2px 10px 2px 0; color: #555; font-weight: 600; vertical-align: top; white-space: nowrap; } .p-fields td, .p-details td { padding: 2px 0; overflow-wrap: anywhere; }
.p-details .p-details { margin: 0 0 4px; } .p-item { display: flex; gap: 6px; border-top: 1px dashed #ddd; } .p-idx { color: #999; }
.p-links { margin: 0; padding-left: 18px; } .p-timeline { margin-top: 14px; padding-top: 10px; border-top: 1px solid #eee; font-size: 13px; } code { background: #f0f0f0; padding: 0 3px; border-radius: 3px; font-size: 12px; }
`;

const pages = {
  slack: `<body class="slack">${slackMock(alert)}${slackMock(resolved)}</body>`,
  teams: `<body class="teams">${teamsMock(alert)}${teamsMock(resolved)}</body>`,
  discord: `<body class="discord">${discordMock(alert)}${discordMock(resolved)}</body>`,
  'google-chat': `<body class="gchat">${googleChatMock(alert)}${googleChatMock(resolved)}</body>`,
  pagerduty: `<body class="pagerduty">${pagerDutyMock(renderPagerDuty(alert, ROUTING_KEY, at), renderPagerDuty(resolved, ROUTING_KEY, at))}</body>`,
};

// No colour-emoji font is assumed: the titles' emoji are drawn as small badges.
const EMOJI: Record<string, [string, string]> = {
  '🐢': ['#d9534f', '!'],
  '✅': ['#3fa34d', '✓'],
  '⏰': ['#f0ad4e', '⏱'],
  '🔔': ['#5865f2', '•'],
};
const badges = (html: string) =>
  html.replace(/🐢|✅|⏰|🔔/gu, (e) => {
    const [color, mark] = EMOJI[e]!;
    return `<span style="display:inline-grid;place-items:center;width:1.15em;height:1.15em;border-radius:4px;background:${color};color:#fff;font-size:.85em">${mark}</span>`;
  });

const out = join(process.cwd(), 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 400 } });
  // Names on the command line (`slack pagerduty`) draw only those.
  const only = process.argv.slice(2);
  for (const [name, html] of Object.entries(pages)) {
    if (only.length > 0 && !only.includes(name)) continue;
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head>${badges(html)}</html>`,
    );
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  }
} finally {
  await browser.close();
}
