import type { AlertNotification } from '../../notification.js';
import { type ChatCard, type ChatCardSample, chatCard, fitEscaped, MUTE_LABEL } from '../../render/chat-card.js';
import { ruleLabel } from '../../render/format.js';
import { truncate } from '../../render/text.js';

/** Discord's documented message limits; a message over any of them is refused with 400 (code 50035). */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  /** Title, description, field names and values, footer and author name of all embeds together. */
  total: 6000,
} as const;

export interface DiscordEmbed {
  title: string;
  url?: string;
  description: string;
  color: number;
  fields: Array<{ name: string; value: string; inline?: boolean }>;
  footer: { text: string };
  timestamp?: string;
}

/** The webhook body. `allowed_mentions.parse: []`: nothing in it pings anyone, whatever it says. */
export interface DiscordMessage {
  content: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: [] };
}

const COLORS = { firing: 0xd9534f, reminder: 0xf0ad4e, resolved: 0x3fa34d } as const;

/**
 * Discord markdown neutralised: every markup character gets a backslash (so no bold, no masked
 * link `[x](url)`, no `<@id>` mention, no code block from a log), and `@everyone`/`@here` get a
 * zero-width space so they read the same but are not mentions even where they would parse.
 */
export function escapeDiscord(text: string): string {
  return text.replace(/[\\*_~`|>[\]()<#-]/g, '\\$&').replace(/@(everyone|here)/gi, '@\u200b$1');
}

/** A URL usable inside `[label](url)`: parentheses and spaces encoded. */
function linkUrl(url: string): string {
  return url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20').replace(/\*/g, '%2A');
}

const link = (label: string, url: string) => `[${label}](${linkUrl(url)})`;

export function renderDiscord(n: AlertNotification): DiscordMessage {
  const card = chatCard(n);
  const title = card.name
    ? `${card.title} · ${fitEscaped(card.name, DISCORD_LIMITS.title - card.title.length - 3, escapeDiscord)}`
    : card.title;
  const fields = card.facts.slice(0, DISCORD_LIMITS.fields).map(({ label, value }) => ({
    name: label,
    value: fitEscaped(value, 600, escapeDiscord),
    inline: label !== 'Message key' && label !== 'When' && label !== 'Window',
  }));
  const footer = { text: `lagwatch · ${truncate(ruleLabel(n), 200)}` };
  const summary = fitEscaped(card.summary, 1500, escapeDiscord);
  const links = linksLine(card);
  const fixed = title.length + footer.text.length + fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  // What the samples may use of the description and of the 6000 characters across the embed.
  const budget =
    Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - fixed) - summary.length - links.length - 40;
  const description = [summary, samplesText(card.samples, budget), links].filter((part) => part !== '').join('\n\n');
  const embed: DiscordEmbed = { title, description, color: COLORS[card.tone], fields, footer };
  if (card.dashboard) embed.url = card.dashboard.url;
  if (Number.isFinite(n.lastAt) && n.lastAt > 0) embed.timestamp = new Date(n.lastAt).toISOString();
  return {
    content: fitEscaped(card.headline, DISCORD_LIMITS.content, escapeDiscord),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}

function linksLine(card: ChatCard): string {
  const links: string[] = [];
  if (card.dashboard) links.push(link(card.dashboard.label, card.dashboard.url));
  if (card.muteUrl) links.push(link(MUTE_LABEL, card.muteUrl));
  return links.join(' · ');
}

/** "**Slowest**" and one line per sample, as many as fit `budget`; the rest are counted. */
function samplesText(samples: ChatCardSample[], budget: number): string {
  if (samples.length === 0) return '';
  const lines = ['**Slowest**'];
  let used = lines[0]!.length;
  for (const [i, sample] of samples.entries()) {
    const line = sampleLine(sample);
    const rest = samples.length - i;
    const note = `…and ${rest} more in the dashboard`;
    if (used + line.length + 1 > budget - (rest > 1 ? note.length + 1 : 0)) {
      if (used + note.length + 1 <= budget) lines.push(note);
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines.length > 1 ? lines.join('\n') : '';
}

function sampleLine(sample: ChatCardSample): string {
  let line = `• ${sample.figure}`;
  if (sample.correlationId) {
    const id = fitEscaped(sample.correlationId, 120, escapeDiscord);
    line += ` ${sample.traceUrl ? link(id, sample.traceUrl) : id}`;
  }
  if (sample.message) line += ` — ${fitEscaped(sample.message, 400, escapeDiscord)}`;
  return line;
}
