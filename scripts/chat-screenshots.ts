/**
 * The README's pictures of Slack, Teams and Discord messages: each service's real wire JSON (as
 * the providers render it) drawn as an HTML mock of the service's look, screenshot in Chromium.
 * `npx tsx scripts/chat-screenshots.ts` (CHROMIUM_PATH, default /usr/bin/chromium) writes
 * docs/screenshots/{slack,teams,discord}.png. The mocks only approximate each client.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { renderDiscord } from '../src/alerts/channels/discord/render.js';
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
`;

const pages = {
  slack: `<body class="slack">${slackMock(alert)}${slackMock(resolved)}</body>`,
  teams: `<body class="teams">${teamsMock(alert)}${teamsMock(resolved)}</body>`,
  discord: `<body class="discord">${discordMock(alert)}${discordMock(resolved)}</body>`,
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
  for (const [name, html] of Object.entries(pages)) {
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head>${badges(html)}</html>`,
    );
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  }
} finally {
  await browser.close();
}
