import {
  isObject,
  Problems,
  type StandInAnswer,
  type StandInRequest,
  unknownKeys,
  WebhookStandIn,
} from './http-stand-in.js';

/** What a reader of one Slack message sees and what it would set off. */
export interface SlackReading {
  /** Every text of the message, entities decoded, links shown by their label. */
  visible: string;
  /** `<!channel>`, `<!here>`, `<@U…>`, `<#C…>`, `<!subteam^…>`: each one notifies someone. */
  mentions: string[];
  /** Links in mrkdwn (`<url|label>`) and link buttons. */
  links: Array<{ url: string; label: string }>;
}

export interface SlackAccepted {
  path: string;
  message: { text?: string; blocks?: Array<Record<string, unknown>> };
  reading: SlackReading;
}

const DECODE: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };
const decode = (text: string) => text.replace(/&(?:amp|lt|gt);/g, (entity) => DECODE[entity]!);

/** Slack's reading of mrkdwn: `<…>` is a link or a mention, `&amp;` `&lt;` `&gt;` are entities. */
export function readMrkdwn(text: string, into: SlackReading): string {
  return decode(
    text.replace(/<([^<>]*)>/g, (_token, inner: string) => {
      if (/^[!@#]/.test(inner)) {
        into.mentions.push(inner);
        return inner.split('|')[1] ?? inner;
      }
      const [url = '', label] = inner.split('|');
      into.links.push({ url: decode(url), label: decode(label ?? url) });
      return decode(label ?? url);
    }),
  );
}

const LIMITS = {
  blocks: 50,
  header: 150,
  section: 3000,
  fields: 10,
  field: 2000,
  context: 10,
  actions: 25,
  button: 75,
  url: 3000,
};

function checkText(
  value: unknown,
  p: Problems,
  where: string,
  max: number,
  types: string[],
): value is { type: string; text: string } {
  if (!isObject(value)) {
    p.check(false, `${where}: must be a text object`);
    return false;
  }
  p.check(types.includes(String(value.type)), `${where}.type: must be ${types.join(' or ')}`);
  p.check(typeof value.text === 'string' && value.text.length >= 1, `${where}.text: must be a non-empty string`);
  p.check(
    typeof value.text !== 'string' || value.text.length <= max,
    `${where}.text: must be at most ${max} characters`,
  );
  p.check(unknownKeys(value, ['type', 'text', 'emoji', 'verbatim']).length === 0, `${where}: unknown keys`);
  p.check(value.type !== 'plain_text' || value.verbatim === undefined, `${where}: verbatim is for mrkdwn only`);
  return typeof value.text === 'string';
}

/** Block Kit as Slack validates it, for the blocks lagwatch may send; anything else is refused. */
export function checkBlocks(blocks: unknown, p: Problems): void {
  if (!Array.isArray(blocks)) {
    p.check(false, 'blocks: must be an array');
    return;
  }
  p.check(blocks.length <= LIMITS.blocks, `blocks: at most ${LIMITS.blocks}`);
  blocks.forEach((block: unknown, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(block)) {
      p.check(false, `${at}: must be an object`);
      return;
    }
    switch (block.type) {
      case 'header':
        p.check(unknownKeys(block, ['type', 'text', 'block_id']).length === 0, `${at}: unknown keys`);
        checkText(block.text, p, `${at}.text`, LIMITS.header, ['plain_text']);
        break;
      case 'section':
        p.check(unknownKeys(block, ['type', 'text', 'fields', 'block_id']).length === 0, `${at}: unknown keys`);
        p.check(block.text !== undefined || block.fields !== undefined, `${at}: needs text or fields`);
        if (block.text !== undefined) checkText(block.text, p, `${at}.text`, LIMITS.section, ['plain_text', 'mrkdwn']);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length < 1 || block.fields.length > LIMITS.fields) {
            p.check(false, `${at}.fields: 1 to ${LIMITS.fields} items`);
          } else
            block.fields.forEach((f, j) => {
              checkText(f, p, `${at}.fields[${j}]`, LIMITS.field, ['plain_text', 'mrkdwn']);
            });
        }
        break;
      case 'context':
        p.check(unknownKeys(block, ['type', 'elements', 'block_id']).length === 0, `${at}: unknown keys`);
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > LIMITS.context) {
          p.check(false, `${at}.elements: 1 to ${LIMITS.context} items`);
        } else
          block.elements.forEach((e, j) => {
            checkText(e, p, `${at}.elements[${j}]`, LIMITS.section, ['plain_text', 'mrkdwn']);
          });
        break;
      case 'divider':
        p.check(unknownKeys(block, ['type', 'block_id']).length === 0, `${at}: unknown keys`);
        break;
      case 'actions': {
        p.check(unknownKeys(block, ['type', 'elements', 'block_id']).length === 0, `${at}: unknown keys`);
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > LIMITS.actions) {
          p.check(false, `${at}.elements: 1 to ${LIMITS.actions} items`);
          break;
        }
        block.elements.forEach((button: unknown, j) => {
          const where = `${at}.elements[${j}]`;
          if (!isObject(button) || button.type !== 'button') {
            p.check(false, `${where}: must be a button`);
            return;
          }
          p.check(
            unknownKeys(button, ['type', 'text', 'url', 'action_id', 'style', 'value']).length === 0,
            `${where}: unknown keys`,
          );
          checkText(button.text, p, `${where}.text`, LIMITS.button, ['plain_text']);
          p.check(
            button.url === undefined ||
              (typeof button.url === 'string' && button.url.length <= LIMITS.url && /^https?:\/\//.test(button.url)),
            `${where}.url: an http(s) URL of at most ${LIMITS.url}`,
          );
          p.check(
            button.action_id === undefined || (typeof button.action_id === 'string' && button.action_id.length <= 255),
            `${where}.action_id: at most 255`,
          );
          p.check(
            button.style === undefined || button.style === 'primary' || button.style === 'danger',
            `${where}.style: primary or danger`,
          );
        });
        const ids = block.elements.map((e) => (isObject(e) ? e.action_id : undefined)).filter((id) => id !== undefined);
        p.check(new Set(ids).size === ids.length, `${at}: action_ids must be unique`);
        break;
      }
      default:
        p.check(false, `${at}.type: unknown block type ${String(block.type)}`);
    }
  });
}

function reading(message: SlackAccepted['message']): SlackReading {
  const into: SlackReading = { visible: '', mentions: [], links: [] };
  const parts: string[] = [];
  if (message.text !== undefined) parts.push(readMrkdwn(message.text, into));
  const read = (t: unknown) => {
    if (!isObject(t) || typeof t.text !== 'string') return;
    parts.push(t.type === 'mrkdwn' ? readMrkdwn(t.text, into) : decode(t.text));
  };
  for (const block of message.blocks ?? []) {
    read(block.text);
    for (const f of (block.fields as unknown[]) ?? []) read(f);
    for (const e of (block.elements as unknown[]) ?? []) {
      if (isObject(e) && e.type === 'button') {
        read(e.text);
        if (typeof e.url === 'string' && isObject(e.text)) into.links.push({ url: e.url, label: String(e.text.text) });
      } else read(e);
    }
  }
  into.visible = parts.join('\n');
  return into;
}

const plain = (status: number, body: string, headers: Record<string, string> = {}): StandInAnswer => ({
  status,
  body,
  headers: { 'content-type': 'text/html', ...headers },
});

/**
 * Slack's incoming webhooks: `POST /services/T…/B…/<secret>` of JSON with `text` and/or
 * Block Kit `blocks`. Answers as Slack does: 200 `ok`; 400 `invalid_payload` (not JSON),
 * `no_text`, `invalid_blocks` (over a limit or malformed); 404 `no_service` (unknown webhook).
 * `answerNext` scripts the other real answers (403 action_prohibited, 410 channel_is_archived,
 * 429 with Retry-After, 500).
 */
export class SlackStandIn extends WebhookStandIn<SlackAccepted, { status: number; body: string; problems: string[] }> {
  private readonly hooks = new Set<string>();

  /** A fresh webhook URL the stand-in accepts; its last segment is the secret. */
  webhook(secret = `xoxsecret${Math.random().toString(36).slice(2, 14)}`): string {
    const path = `/services/TLAGWATCH/B${this.hooks.size + 1}/${secret}`;
    this.hooks.add(path);
    return `${this.http.origin}${path}`;
  }

  static readonly answers = {
    archived: plain(410, 'channel_is_archived'),
    prohibited: plain(403, 'action_prohibited'),
    noService: plain(404, 'no_service'),
    rateLimited: (seconds: number) => plain(429, 'rate_limited', { 'retry-after': String(seconds) }),
    serverError: plain(500, 'rollup_error'),
  };

  protected handle(request: StandInRequest): StandInAnswer {
    if (!this.hooks.has(request.path)) return plain(404, 'no_service');
    let message: unknown;
    try {
      message = JSON.parse(request.body);
    } catch {
      return this.refuse(400, 'invalid_payload', ['not JSON']);
    }
    if (!String(request.headers['content-type']).startsWith('application/json') || !isObject(message)) {
      return this.refuse(400, 'invalid_payload', ['not a JSON object']);
    }
    if (typeof message.text !== 'string' && message.blocks === undefined) return this.refuse(400, 'no_text', []);
    const p = new Problems();
    p.check(message.text === undefined || typeof message.text === 'string', 'text: must be a string');
    p.check(
      unknownKeys(message, ['text', 'blocks', 'unfurl_links', 'unfurl_media', 'mrkdwn']).length === 0,
      'unknown top-level keys',
    );
    if (message.blocks !== undefined) checkBlocks(message.blocks, p);
    if (!p.ok) return this.refuse(400, 'invalid_blocks', p.list);
    const accepted = message as SlackAccepted['message'];
    this.accepted.push({ path: request.path, message: accepted, reading: reading(accepted) });
    return plain(200, 'ok');
  }

  private refuse(status: number, code: string, problems: string[]): StandInAnswer {
    this.refused.push({ status, body: code, problems });
    return plain(status, code);
  }
}
