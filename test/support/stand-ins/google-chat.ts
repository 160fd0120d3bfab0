import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenLocally } from './http-stand-in.js';

/**
 * Google Chat's incoming webhooks on 127.0.0.1: `POST /v1/spaces/<space>/messages?key=…&token=…`
 * with a Message as JSON. Refuses what Chat refuses, with Chat's error bodies
 * (`{error: {code, message, status}}`): a wrong key or token (403 PERMISSION_DENIED), an unknown
 * space (404 NOT_FOUND), bad JSON, an empty message, text over 4096 characters, a message over
 * 32,000 bytes, an unknown `messageReplyOption`, malformed cards (400 INVALID_ARGUMENT). It is
 * stricter than Chat where Chat is lenient: card text must be well-formed in Chat's HTML subset
 * (every `<` opens an allowed tag, every `&` starts an entity). Accepted messages are recorded
 * with their thread, which `threadKey` picks as Chat does; scripted failures and 429s on request.
 */

export const GOOGLE_CHAT_TEXT_LIMIT = 4096;
export const GOOGLE_CHAT_MESSAGE_BYTES = 32_000;
const REPLY_OPTIONS = new Set([
  'MESSAGE_REPLY_OPTION_UNSPECIFIED',
  'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD',
  'REPLY_MESSAGE_OR_FAIL',
]);
/** The tags textParagraph and decoratedText accept (Chat's "card text formatting"). */
const CARD_TAGS = new Set(['b', 'i', 'u', 's', 'strike', 'font', 'a', 'br']);
const VOID_TAGS = new Set(['br']);

export interface ChatMessageRecord {
  space: string;
  thread: string;
  threadKey: string | null;
  replyOption: string | null;
  text: string | undefined;
  cardsV2: unknown[];
  /** `<users/…>` mentions in `text` that would notify someone. */
  mentions: string[];
  /** Links `<url|label>` in `text`. */
  textLinks: string[];
  /** Card text without markup, entities decoded. */
  cardText: string[];
  /** Every openLink button: [text, url]. */
  buttons: Array<[string, string]>;
  bytes: number;
}

export interface ChatError {
  code: number;
  status: string;
  message: string;
}

export class GoogleChatStandIn {
  readonly messages: ChatMessageRecord[] = [];
  /** Thread names by space and threadKey. */
  private readonly threads = new Map<string, string>();
  private readonly spaces = new Map<string, { key: string; token: string }>();
  private readonly scripted: Array<{ error: ChatError; retryAfter?: string }> = [];
  private server: Server | undefined;
  origin = '';

  async start(): Promise<void> {
    ({ server: this.server, origin: this.origin } = await listenLocally((req, res) => this.handle(req, res)));
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  /** A new space and its webhook URL (key and token are secrets a test can look for). */
  space(): { url: string; space: string; key: string; token: string } {
    const space = `AAAA${randomBytes(6).toString('hex')}`;
    const key = `AIzaSy${randomBytes(16).toString('hex')}`;
    const token = randomBytes(24).toString('base64url');
    this.spaces.set(space, { key, token });
    return { url: `${this.origin}/v1/spaces/${space}/messages?key=${key}&token=${token}`, space, key, token };
  }

  /** The next `times` messages are answered with `error` (and a Retry-After, if given). */
  failNext(times: number, error: ChatError, retryAfter?: string): void {
    for (let i = 0; i < times; i++) this.scripted.push({ error, retryAfter });
  }

  tooManyRequestsNext(times = 1): void {
    this.failNext(times, {
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      message: "Resource has been exhausted (e.g. check quota). Quota exceeded for quota metric 'Write requests'.",
    });
  }

  inSpace(space: string): ChatMessageRecord[] {
    return this.messages.filter((m) => m.space === space);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fail = (code: number, status: string, message: string, headers: Record<string, string> = {}) => {
        res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', ...headers });
        res.end(JSON.stringify({ error: { code, message, status } }));
      };
      const url = new URL(req.url ?? '/', this.origin);
      const match = /^\/v1\/spaces\/([^/]+)\/messages$/.exec(url.pathname);
      if (req.method !== 'POST' || !match) return fail(404, 'NOT_FOUND', 'Requested entity was not found.');
      const space = this.spaces.get(match[1]!);
      if (!space) return fail(404, 'NOT_FOUND', 'Requested entity was not found.');
      if (url.searchParams.get('key') !== space.key) {
        return fail(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
      }
      if (url.searchParams.get('token') !== space.token) {
        return fail(403, 'PERMISSION_DENIED', 'The caller does not have permission');
      }
      const scripted = this.scripted.shift();
      if (scripted) {
        const { code, status, message } = scripted.error;
        return fail(code, status, message, scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {});
      }
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return fail(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.');
      }
      if (body.length > GOOGLE_CHAT_MESSAGE_BYTES) {
        return fail(400, 'INVALID_ARGUMENT', 'Message too large: the message exceeds the maximum size of 32000 bytes.');
      }
      let message: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        message = parsed as Record<string, unknown>;
      } catch {
        return fail(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.');
      }
      const replyOption = url.searchParams.get('messageReplyOption');
      if (replyOption !== null && !REPLY_OPTIONS.has(replyOption)) {
        return fail(
          400,
          'INVALID_ARGUMENT',
          `Invalid value at 'message_reply_option' (type.googleapis.com/google.chat.v1.CreateMessageRequest.MessageReplyOption), "${replyOption}"`,
        );
      }
      const problem = messageProblem(message);
      if (problem) return fail(400, 'INVALID_ARGUMENT', problem);

      const threadKey = url.searchParams.get('threadKey');
      const threaded = threadKey !== null && replyOption !== null && replyOption !== 'MESSAGE_REPLY_OPTION_UNSPECIFIED';
      const threadId = `${match[1]}/${threadKey}`;
      let thread = threaded ? this.threads.get(threadId) : undefined;
      if (!thread && replyOption === 'REPLY_MESSAGE_OR_FAIL') {
        return fail(404, 'NOT_FOUND', 'Requested entity was not found.');
      }
      if (!thread) {
        thread = `spaces/${match[1]}/threads/${randomBytes(6).toString('hex')}`;
        if (threaded) this.threads.set(threadId, thread);
      }
      const text = typeof message.text === 'string' ? message.text : undefined;
      const cards = Array.isArray(message.cardsV2) ? message.cardsV2 : [];
      const record: ChatMessageRecord = {
        space: match[1]!,
        thread,
        threadKey,
        replyOption,
        text,
        cardsV2: cards,
        mentions: [...(text ?? '').matchAll(/<users\/[^>]*>/g)].map((m) => m[0]),
        textLinks: [...(text ?? '').matchAll(/<(https?:\/\/[^|>]+)\|[^>]*>/g)].map((m) => m[1]!),
        cardText: [],
        buttons: [],
        bytes: body.length,
      };
      collectCards(cards, record);
      this.messages.push(record);
      const name = `${thread.replace('/threads/', '/messages/')}.${randomBytes(4).toString('hex')}`;
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(
        JSON.stringify({
          name,
          sender: { name: 'users/114022495153014004089', displayName: 'lagwatch', type: 'BOT' },
          text,
          cardsV2: cards,
          createTime: new Date().toISOString(),
          thread: { name: thread, ...(threadKey ? { threadKey } : {}) },
          space: { name: `spaces/${match[1]}`, type: 'ROOM' },
        }),
      );
    });
  }
}

function messageProblem(message: Record<string, unknown>): string | undefined {
  const text = message.text;
  if (text !== undefined && typeof text !== 'string') return "Invalid value at 'message.text' (TYPE_STRING)";
  if (typeof text === 'string' && text.length > GOOGLE_CHAT_TEXT_LIMIT) {
    return `Invalid argument: message.text exceeds the maximum length of ${GOOGLE_CHAT_TEXT_LIMIT} characters.`;
  }
  const cards = message.cardsV2;
  if (cards !== undefined && !Array.isArray(cards)) return "Invalid value at 'message.cards_v2'";
  const hasText = typeof text === 'string' && text.trim() !== '';
  if (!hasText && (!Array.isArray(cards) || cards.length === 0)) return 'Message cannot be empty.';
  for (const [i, card] of (Array.isArray(cards) ? cards : []).entries()) {
    const problem = cardProblem(card, `cards_v2[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function cardProblem(entry: unknown, at: string): string | undefined {
  if (!isObject(entry) || typeof entry.cardId !== 'string' || !isObject(entry.card)) {
    return `Invalid JSON payload received. ${at}: a cardId and a card are required.`;
  }
  const card = entry.card;
  if (card.header !== undefined) {
    if (!isObject(card.header) || typeof card.header.title !== 'string' || card.header.title === '') {
      return `Invalid argument: ${at}.card.header.title is required.`;
    }
  }
  if (!Array.isArray(card.sections) || card.sections.length === 0)
    return `Invalid argument: ${at}.card.sections is empty.`;
  for (const [s, section] of card.sections.entries()) {
    if (!isObject(section) || !Array.isArray(section.widgets) || section.widgets.length === 0) {
      return `Invalid argument: ${at}.card.sections[${s}].widgets is empty.`;
    }
    for (const [w, widget] of section.widgets.entries()) {
      const problem = widgetProblem(widget, `${at}.card.sections[${s}].widgets[${w}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function widgetProblem(widget: unknown, at: string): string | undefined {
  if (!isObject(widget)) return `Invalid JSON payload received. ${at} is not an object.`;
  const kinds = Object.keys(widget).filter((k) => k !== 'horizontalAlignment');
  if (kinds.length !== 1) return `Invalid argument: ${at} must set exactly one widget type.`;
  const kind = kinds[0]!;
  const value = widget[kind];
  switch (kind) {
    case 'textParagraph':
      return isObject(value) && typeof value.text === 'string'
        ? htmlProblem(value.text, `${at}.textParagraph.text`)
        : `Invalid argument: ${at}.textParagraph.text is required.`;
    case 'decoratedText':
      if (!isObject(value) || typeof value.text !== 'string')
        return `Invalid argument: ${at}.decoratedText.text is required.`;
      for (const label of ['topLabel', 'bottomLabel'] as const) {
        if (value[label] !== undefined && typeof value[label] !== 'string') return `Invalid value at '${at}.${label}'`;
      }
      return htmlProblem(value.text, `${at}.decoratedText.text`);
    case 'buttonList': {
      if (!isObject(value) || !Array.isArray(value.buttons) || value.buttons.length === 0) {
        return `Invalid argument: ${at}.buttonList.buttons is empty.`;
      }
      for (const [b, button] of value.buttons.entries()) {
        const url =
          isObject(button) && isObject(button.onClick) && isObject(button.onClick.openLink)
            ? button.onClick.openLink.url
            : undefined;
        if (!isObject(button) || typeof button.text !== 'string' || typeof url !== 'string') {
          return `Invalid argument: ${at}.buttonList.buttons[${b}] needs text and onClick.openLink.url.`;
        }
        if (!/^https?:\/\//.test(url))
          return `Invalid argument: ${at}.buttonList.buttons[${b}] openLink.url must be http(s).`;
      }
      return undefined;
    }
    case 'divider':
      return undefined;
    default:
      return `Invalid JSON payload received. Unknown name "${kind}" at '${at}': Cannot find field.`;
  }
}

/** Chat's card HTML subset, strictly: allowed tags, balanced; `&` only as an entity. */
function htmlProblem(text: string, at: string): string | undefined {
  const open: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '&' && !/^&(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-f]{1,6});/i.test(text.slice(i, i + 12))) {
      return `Invalid argument: ${at}: a bare "&" at ${i}.`;
    }
    if (ch === '>') return `Invalid argument: ${at}: a bare ">" at ${i}.`;
    if (ch !== '<') continue;
    const close = text.indexOf('>', i);
    const tag = close < 0 ? undefined : /^<(\/?)([a-z]+)(\s[^<>]*)?\/?>$/.exec(text.slice(i, close + 1));
    if (!tag || !CARD_TAGS.has(tag[2]!)) return `Invalid argument: ${at}: "<" does not open an allowed tag at ${i}.`;
    if (tag[1]) {
      if (open.pop() !== tag[2]) return `Invalid argument: ${at}: unbalanced </${tag[2]}> at ${i}.`;
    } else if (!VOID_TAGS.has(tag[2]!)) {
      open.push(tag[2]!);
    }
    i = close;
  }
  return open.length > 0 ? `Invalid argument: ${at}: <${open.at(-1)}> is not closed.` : undefined;
}

/** A widget that passed widgetProblem. */
interface ValidWidget {
  textParagraph?: { text: string };
  decoratedText?: { text: string };
  buttonList?: { buttons: Array<{ text: string; onClick: { openLink: { url: string } } }> };
}

function collectCards(cards: unknown[], record: ChatMessageRecord): void {
  for (const entry of cards) {
    const sections = (entry as { card: { sections: Array<{ widgets: ValidWidget[] }> } }).card.sections;
    for (const { widgets } of sections) {
      for (const widget of widgets) {
        if (widget.textParagraph) record.cardText.push(plain(widget.textParagraph.text));
        if (widget.decoratedText) record.cardText.push(plain(widget.decoratedText.text));
        for (const b of widget.buttonList?.buttons ?? []) record.buttons.push([b.text, b.onClick.openLink.url]);
      }
    }
  }
}

/** Card text as the reader sees it. */
function plain(html: string): string {
  return html
    .replace(/<br>/g, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}
