import {
  isObject,
  Problems,
  type StandInAnswer,
  type StandInRequest,
  unknownKeys,
  WebhookStandIn,
} from './http-stand-in.js';

/** What Discord's client shows of one message and whom it would ping. */
export interface DiscordReading {
  /** Every text (content, titles, descriptions, fields, footers), escapes removed, links by label. */
  visible: string;
  /** Masked links `[label](url)` and embed title URLs. */
  links: Array<{ url: string; label: string }>;
  /** Mentions as Discord parses them: `<@id>`, `<@&id>`, `<#id>`, `@everyone`, `@here`. */
  mentions: string[];
  /** The mentions that would notify someone under the message's `allowed_mentions`. */
  pings: string[];
}

export interface DiscordAccepted {
  path: string;
  message: {
    content?: string;
    embeds?: Array<Record<string, unknown> & { fields?: Array<{ name: string; value: string }> }>;
    allowed_mentions?: unknown;
  };
  reading: DiscordReading;
}

export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
};

// An escaped character (`\*`) is shown as itself and never starts markup; private-use stand-ins
// keep it out of the link and mention patterns below.
const hide = (text: string) =>
  text.replace(/\\([^\p{L}\p{N}\s])/gu, (_m, c: string) => String.fromCharCode(0xe000 + c.charCodeAt(0)));
const unhide = (text: string) => text.replace(/[\ue000-\ue0ff]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xe000));

/** Discord's reading of a markdown text: masked links, mentions; the text as shown. */
export function readDiscordMarkdown(text: string, into: DiscordReading): string {
  const hidden = hide(text);
  for (const m of hidden.matchAll(/<@!?\d+>|<@&\d+>|<#\d+>|@everyone|@here/g)) into.mentions.push(unhide(m[0]));
  return unhide(
    hidden.replace(/\[([^\]\n]*)\]\((<?https?:\/\/[^)\s]+>?)\)/g, (_m, label: string, url: string) => {
      into.links.push({ url: unhide(url.replace(/^<|>$/g, '')), label: unhide(label) });
      return label;
    }),
  );
}

function pingsUnder(mentions: string[], allowed: unknown): string[] {
  // Without allowed_mentions, Discord pings everyone the content names.
  if (!isObject(allowed)) return mentions;
  const parse = Array.isArray(allowed.parse) ? (allowed.parse as string[]) : [];
  return mentions.filter((m) =>
    m === '@everyone' || m === '@here'
      ? parse.includes('everyone')
      : m.startsWith('<@&')
        ? parse.includes('roles')
        : m.startsWith('<@')
          ? parse.includes('users')
          : false,
  );
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): StandInAnswer => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

const len = (value: unknown) => (typeof value === 'string' ? value.length : 0);

/** Discord's checks of an execute-webhook body; `errors` in Discord's shape when refused. */
export function checkDiscordMessage(message: Record<string, unknown>, p: Problems): void {
  p.check(
    unknownKeys(message, ['content', 'embeds', 'allowed_mentions', 'username', 'avatar_url', 'tts', 'flags']).length ===
      0,
    'unknown keys',
  );
  p.check(message.content === undefined || typeof message.content === 'string', 'content: must be a string');
  p.check(
    len(message.content) <= DISCORD_LIMITS.content,
    `content: Must be ${DISCORD_LIMITS.content} or fewer in length.`,
  );
  const embeds = message.embeds ?? [];
  if (!Array.isArray(embeds)) {
    p.check(false, 'embeds: must be an array');
    return;
  }
  p.check(embeds.length <= DISCORD_LIMITS.embeds, `embeds: Must be ${DISCORD_LIMITS.embeds} or fewer in length.`);
  let total = 0;
  embeds.forEach((embed: unknown, i) => {
    const at = `embeds.${i}`;
    if (!isObject(embed)) {
      p.check(false, `${at}: must be an object`);
      return;
    }
    p.check(
      unknownKeys(embed, ['title', 'url', 'description', 'color', 'fields', 'footer', 'timestamp', 'author', 'type'])
        .length === 0,
      `${at}: unknown keys`,
    );
    p.check(
      len(embed.title) <= DISCORD_LIMITS.title,
      `${at}.title: Must be ${DISCORD_LIMITS.title} or fewer in length.`,
    );
    p.check(
      len(embed.description) <= DISCORD_LIMITS.description,
      `${at}.description: Must be ${DISCORD_LIMITS.description} or fewer in length.`,
    );
    p.check(
      embed.url === undefined || (typeof embed.url === 'string' && /^https?:\/\/\S+$/.test(embed.url)),
      `${at}.url: Not a well formed URL.`,
    );
    p.check(
      embed.color === undefined ||
        (Number.isInteger(embed.color) && (embed.color as number) >= 0 && (embed.color as number) <= 0xffffff),
      `${at}.color: invalid`,
    );
    p.check(
      embed.timestamp === undefined ||
        (typeof embed.timestamp === 'string' && !Number.isNaN(Date.parse(embed.timestamp))),
      `${at}.timestamp: Could not parse`,
    );
    total += len(embed.title) + len(embed.description);
    if (embed.footer !== undefined) {
      const text = isObject(embed.footer) ? embed.footer.text : undefined;
      p.check(
        typeof text === 'string' && text.length >= 1 && text.length <= DISCORD_LIMITS.footer,
        `${at}.footer.text: 1 to ${DISCORD_LIMITS.footer}`,
      );
      total += len(text);
    }
    const fields = embed.fields ?? [];
    if (!Array.isArray(fields)) {
      p.check(false, `${at}.fields: must be an array`);
      return;
    }
    p.check(
      fields.length <= DISCORD_LIMITS.fields,
      `${at}.fields: Must be ${DISCORD_LIMITS.fields} or fewer in length.`,
    );
    fields.forEach((field: unknown, j) => {
      const where = `${at}.fields.${j}`;
      if (!isObject(field)) {
        p.check(false, `${where}: must be an object`);
        return;
      }
      p.check(
        typeof field.name === 'string' && field.name.length >= 1 && field.name.length <= DISCORD_LIMITS.fieldName,
        `${where}.name: 1 to ${DISCORD_LIMITS.fieldName}`,
      );
      p.check(
        typeof field.value === 'string' && field.value.length >= 1 && field.value.length <= DISCORD_LIMITS.fieldValue,
        `${where}.value: 1 to ${DISCORD_LIMITS.fieldValue}`,
      );
      p.check(field.inline === undefined || typeof field.inline === 'boolean', `${where}.inline: a boolean`);
      total += len(field.name) + len(field.value);
    });
  });
  p.check(total <= DISCORD_LIMITS.total, `embeds: Embed size exceeds maximum size of ${DISCORD_LIMITS.total}`);
  const allowed = message.allowed_mentions;
  if (allowed !== undefined) {
    const parse = isObject(allowed) ? allowed.parse : undefined;
    p.check(
      isObject(allowed) &&
        (parse === undefined ||
          (Array.isArray(parse) && parse.every((x) => ['roles', 'users', 'everyone'].includes(x)))),
      'allowed_mentions.parse: roles, users or everyone',
    );
  }
}

function reading(message: DiscordAccepted['message']): DiscordReading {
  const into: DiscordReading = { visible: '', links: [], mentions: [], pings: [] };
  const parts: string[] = [];
  if (message.content) parts.push(readDiscordMarkdown(message.content, into));
  for (const embed of message.embeds ?? []) {
    if (typeof embed.title === 'string') parts.push(readDiscordMarkdown(embed.title, into));
    if (typeof embed.url === 'string') into.links.push({ url: embed.url, label: String(embed.title) });
    if (typeof embed.description === 'string') parts.push(readDiscordMarkdown(embed.description, into));
    for (const f of embed.fields ?? [])
      parts.push(`${readDiscordMarkdown(f.name, into)}\n${readDiscordMarkdown(f.value, into)}`);
    if (isObject(embed.footer)) parts.push(String(embed.footer.text));
  }
  into.visible = parts.join('\n');
  // Pings come from the content only; embeds never ping.
  const contentOnly: DiscordReading = { visible: '', links: [], mentions: [], pings: [] };
  readDiscordMarkdown(message.content ?? '', contentOnly);
  into.pings = pingsUnder(contentOnly.mentions, message.allowed_mentions);
  return into;
}

/**
 * Discord's execute-webhook endpoint: `POST /api/webhooks/<id>/<token>`. Answers as Discord:
 * 204 (200 with the message under `?wait=true`); 400 `{code: 50035, message: "Invalid Form
 * Body", errors}` over a limit; 400 50006 for an empty message; 401 50027 for a wrong token;
 * 404 10015 for an unknown webhook. `answerNext` scripts 429 `{retry_after, global}` and 5xx.
 */
export class DiscordStandIn extends WebhookStandIn<DiscordAccepted, { status: number; body: unknown }> {
  private readonly hooks = new Map<string, string>();

  /** A fresh webhook URL; its last segment is the secret token. */
  webhook(token = `dtoken${Math.random().toString(36).slice(2, 14)}`): string {
    const id = String(100000000000000000n + BigInt(this.hooks.size + 1));
    this.hooks.set(id, token);
    return `${this.http.origin}/api/webhooks/${id}/${token}`;
  }

  static readonly answers = {
    rateLimited: (retryAfter: number, global = false) =>
      json(
        429,
        { message: 'You are being rate limited.', retry_after: retryAfter, global },
        { 'retry-after': String(Math.ceil(retryAfter)), 'x-ratelimit-scope': global ? 'global' : 'user' },
      ),
    unknownWebhook: json(404, { message: 'Unknown Webhook', code: 10015 }),
    serverError: json(502, { message: 'Bad Gateway', code: 0 }),
  };

  protected handle(request: StandInRequest): StandInAnswer {
    const url = new URL(request.path, 'http://stand-in');
    const match = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(url.pathname);
    if (!match || !this.hooks.has(match[1]!)) return this.refuse(404, { message: 'Unknown Webhook', code: 10015 });
    if (this.hooks.get(match[1]!) !== match[2])
      return this.refuse(401, { message: 'Invalid Webhook Token', code: 50027 });
    let message: unknown;
    try {
      message = JSON.parse(request.body);
    } catch {
      return this.refuse(400, { message: 'The request body contains invalid JSON.', code: 50109 });
    }
    if (!String(request.headers['content-type']).startsWith('application/json') || !isObject(message)) {
      return this.refuse(400, { message: 'The request body contains invalid JSON.', code: 50109 });
    }
    const p = new Problems();
    checkDiscordMessage(message, p);
    if (!p.ok) return this.refuse(400, { message: 'Invalid Form Body', code: 50035, errors: p.list });
    const hasContent = typeof message.content === 'string' && message.content.trim() !== '';
    if (!hasContent && (!Array.isArray(message.embeds) || message.embeds.length === 0)) {
      return this.refuse(400, { message: 'Cannot send an empty message', code: 50006 });
    }
    const accepted = message as DiscordAccepted['message'];
    this.accepted.push({ path: url.pathname, message: accepted, reading: reading(accepted) });
    return url.searchParams.get('wait') === 'true'
      ? json(200, { id: '1', content: accepted.content })
      : { status: 204 };
  }

  private refuse(status: number, body: unknown): StandInAnswer {
    this.refused.push({ status, body });
    return json(status, body);
  }
}
