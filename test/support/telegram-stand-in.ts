import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A strict reading of Telegram's HTML parse mode, for the stand-in: what Telegram rejects
 * with 400 "can't parse entities" this rejects too, and it is stricter where Telegram is
 * lenient (a bare `&` or `>` is refused, as the Bot API documentation asks).
 */

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'tg-spoiler',
  'span',
  'blockquote',
  'tg-emoji',
]);

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
const ENTITY = /^&(?:(lt|gt|amp|quot)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/;

export type ParsedHtml = { ok: true; visibleText: string; links: string[] } | { ok: false; description: string };

export function parseTelegramHtml(text: string): ParsedHtml {
  const fail = (what: string, at: number): ParsedHtml => ({
    ok: false,
    description: `Bad Request: can't parse entities: ${what} at byte offset ${Buffer.byteLength(text.slice(0, at))}`,
  });
  const open: string[] = [];
  const links: string[] = [];
  let visible = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '&') {
      const entity = decodeEntity(text.slice(i, i + 12));
      if (!entity) return fail(`unescaped "&" or unsupported entity`, i);
      visible += entity.char;
      i += entity.length;
    } else if (ch === '>') {
      return fail('unescaped ">"', i);
    } else if (ch === '<') {
      const close = text.indexOf('>', i);
      if (close < 0) return fail('Unclosed start tag', i);
      const inner = text.slice(i + 1, close);
      if (inner.startsWith('/')) {
        const name = inner.slice(1).trim().toLowerCase();
        const expected = open.pop();
        if (expected === undefined) return fail(`Unexpected end tag "</${name}>"`, i);
        if (name !== expected) return fail(`Unmatched end tag, expected "</${expected}>", found "</${name}>"`, i);
      } else {
        const name = /^[a-zA-Z][a-zA-Z0-9-]*/.exec(inner)?.[0]?.toLowerCase();
        if (!name) return fail('Empty tag name', i);
        if (!ALLOWED_TAGS.has(name)) return fail(`Unsupported start tag "${name}"`, i);
        const attributes = parseAttributes(inner.slice(name.length));
        if (attributes === undefined) return fail(`Invalid attributes of the tag "${name}"`, i);
        if (name === 'a') {
          const href = attributes.get('href');
          if (href === undefined || !isLinkUrl(href)) return fail('Invalid URL in the tag "a"', i);
          links.push(href);
        }
        open.push(name);
      }
      i = close + 1;
    } else {
      visible += ch;
      i++;
    }
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) return fail(`Can't find end tag corresponding to start tag "${unclosed}"`, text.length);
  return { ok: true, visibleText: visible, links };
}

function decodeEntity(head: string): { char: string; length: number } | undefined {
  const match = ENTITY.exec(head);
  if (!match) return undefined;
  if (match[1]) return { char: NAMED_ENTITIES[match[1]]!, length: match[0].length };
  const code = match[2] !== undefined ? Number(match[2]) : Number.parseInt(match[3]!, 16);
  if (code > 0x10ffff) return undefined;
  return { char: String.fromCodePoint(code), length: match[0].length };
}

/** ` href="x" expandable` → map; undefined when malformed (e.g. a raw `"` or `<` in a value). */
function parseAttributes(source: string): Map<string, string> | undefined {
  const attributes = new Map<string, string>();
  const ATTRIBUTE = /^\s+([a-zA-Z][a-zA-Z0-9-]*)(?:="([^"<]*)"|='([^'<]*)'|=([^\s"'<>]+))?/;
  let rest = source;
  while (rest.trim() !== '') {
    const match = ATTRIBUTE.exec(rest);
    if (!match) return undefined;
    const raw = match[2] ?? match[3] ?? match[4] ?? '';
    const value = decodeAttributeValue(raw);
    if (value === undefined) return undefined;
    attributes.set(match[1]!.toLowerCase(), value);
    rest = rest.slice(match[0].length);
  }
  return attributes;
}

function decodeAttributeValue(raw: string): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '&') {
      const entity = decodeEntity(raw.slice(i, i + 12));
      if (!entity) return undefined;
      out += entity.char;
      i += entity.length;
    } else {
      out += raw[i];
      i++;
    }
  }
  return out;
}

function isLinkUrl(href: string): boolean {
  try {
    const url = new URL(href);
    return ['http:', 'https:', 'tg:'].includes(url.protocol);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The stand-in server.

export interface TelegramErrorAnswer {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface ReceivedMessage {
  chatId: string;
  /** The raw `text` as sent. */
  text: string;
  /** The text as Telegram would show it: entities decoded, tags removed. */
  visibleText: string;
  links: string[];
  parseMode: string | undefined;
  linkPreviewDisabled: boolean;
  messageId: number;
  /** Epoch ms when the stand-in accepted it (for latency benchmarks). */
  receivedAt: number;
  /** The inline keyboard as it is now (sendMessage's reply_markup, then each edit). */
  replyMarkup: InlineMarkup | undefined;
  /** Every accepted editMessageReplyMarkup, in order. */
  markupEdits: InlineMarkup[];
}

export interface InlineMarkup {
  inline_keyboard: Array<Array<{ text: string; callback_data?: string; url?: string }>>;
}

export interface TelegramUser {
  id: number;
  username?: string;
  first_name: string;
}

/** A button press as the bot receives it in an update. */
export interface CallbackQuery {
  id: string;
  from: TelegramUser & { is_bot: false };
  /** The message as it is when pressed, its inline keyboard included (as Telegram reports it). */
  message: {
    message_id: number;
    chat: { id: number; type: string };
    date: number;
    text: string;
    reply_markup?: InlineMarkup;
  };
  chat_instance: string;
  data: string;
}

interface PendingPoll {
  offset: number | undefined;
  limit: number;
  answer: (status: number, body: unknown) => void;
  timer: NodeJS.Timeout;
}

interface ScriptedFailure {
  chatId: string | undefined;
  answer: TelegramErrorAnswer | 'stall';
}

/**
 * A real local HTTP server speaking the Bot API wire format for `getMe`, `sendMessage` (with
 * inline keyboards), `getUpdates` (long polling: `offset` confirms earlier updates, `timeout`
 * holds the request until an update arrives; a second poller terminates the first with 409
 * Conflict, as does a webhook), `answerCallbackQuery`, `editMessageReplyMarkup` and
 * `getWebhookInfo`: checks the token in the path, validates HTML and keyboards like Telegram
 * (strictly), records accepted messages per chat in order, and answers scripted failures.
 * `press()` is a user pressing an inline button of a message; `pressWithData()` a modified client
 * sending callback data of its choosing for a message.
 */
export class TelegramStandIn {
  readonly messages: ReceivedMessage[] = [];
  /** Every sendMessage request, accepted or not, in arrival order: its chat id and answer code. */
  readonly requests: Array<{ chatId: string; status: number }> = [];
  private readonly failures: ScriptedFailure[] = [];
  private waiters: Array<{ done: () => boolean; resolve: () => void }> = [];
  private readonly unknownChats = new Set<string>();
  private readonly migrations = new Map<string, string>();
  private nextMessageId = 1;
  /** Updates not yet confirmed by a getUpdates offset, oldest first. */
  private updates: Array<{ update_id: number; callback_query: CallbackQuery }> = [];
  private nextUpdateId = 700_000_001;
  private pendingPoll: PendingPoll | undefined;
  private webhookUrl = '';
  /** Callback query id → its answer (undefined while unanswered). */
  readonly callbackAnswers = new Map<string, { text?: string; show_alert?: boolean } | undefined>();
  /** Every getUpdates request: its offset and the status it got (409 for a terminated poll). */
  readonly polls: Array<{ offset: number | undefined; status: number }> = [];

  private constructor(
    private readonly server: Server,
    readonly token: string,
    readonly apiBase: string,
  ) {}

  static async start(token = '123456:TEST-token_abcdefghijklmnopqrstuvwxyz'): Promise<TelegramStandIn> {
    let standIn: TelegramStandIn | undefined;
    const server = createServer((req, res) => {
      void standIn!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new TelegramStandIn(server, token, `http://127.0.0.1:${port}`);
    return standIn;
  }

  /** The accepted messages of one chat, in order. */
  messagesTo(chatId: string | number): ReceivedMessage[] {
    return this.messages.filter((m) => m.chatId === String(chatId));
  }

  /**
   * Resolves once `count` messages were accepted (to `chatId`, or in all), or rejects after
   * `timeoutMs`: for tests that wait for a delivery made elsewhere (a scanner, a child process).
   */
  waitForMessages(count: number, chatId?: string | number, timeoutMs = 10_000): Promise<ReceivedMessage[]> {
    const current = () => (chatId === undefined ? this.messages : this.messagesTo(chatId));
    if (current().length >= count) return Promise.resolve(current());
    return new Promise((resolve, reject) => {
      const waiter = {
        done: () => current().length >= count,
        resolve: () => {
          clearTimeout(timer);
          resolve(current());
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`stand-in: ${current().length} of ${count} messages after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next `count` sendMessage requests (to `chatId`, or any chat) get this answer. */
  failNext(count: number, answer: TelegramErrorAnswer, chatId?: string | number): void {
    for (let i = 0; i < count; i++)
      this.failures.push({ chatId: chatId === undefined ? undefined : String(chatId), answer });
  }

  /** The next `count` sendMessage requests are never answered (until the stand-in closes). */
  stallNext(count: number, chatId?: string | number): void {
    for (let i = 0; i < count; i++)
      this.failures.push({ chatId: chatId === undefined ? undefined : String(chatId), answer: 'stall' });
  }

  tooManyRequestsNext(retryAfterSeconds: number, chatId?: string | number): void {
    this.failNext(
      1,
      {
        error_code: 429,
        description: `Too Many Requests: retry after ${retryAfterSeconds}`,
        parameters: { retry_after: retryAfterSeconds },
      },
      chatId,
    );
  }

  /** Messages to this chat get 400 "chat not found". */
  forgetChat(chatId: string | number): void {
    this.unknownChats.add(String(chatId));
  }

  /** The group became a supergroup: messages to `from` get 400 with migrate_to_chat_id. */
  migrateChat(from: string | number, to: string | number): void {
    this.migrations.set(String(from), String(to));
  }

  /**
   * A user presses the inline button labelled `buttonText` (it must be on the message now) in
   * the message's chat; returns the callback query id. Wakes a waiting getUpdates.
   */
  press(
    message: ReceivedMessage,
    buttonText: string,
    from: TelegramUser = { id: 4242, username: 'ann', first_name: 'Ann' },
  ) {
    const button = message.replyMarkup?.inline_keyboard.flat().find((b) => b.text === buttonText);
    if (!button?.callback_data) {
      const shown = message.replyMarkup?.inline_keyboard.flat().map((b) => b.text) ?? [];
      throw new Error(
        `stand-in: message ${message.messageId} has no button "${buttonText}" (has: ${shown.join(', ')})`,
      );
    }
    return this.pressWithData(message, button.callback_data, from);
  }

  /**
   * A press carrying callback data of the client's choosing on a message (Telegram passes on
   * whatever data a client sends for a message with an inline keyboard: a modified client can
   * send data that is on no button, or copied from another message). Returns the query id.
   */
  pressWithData(
    message: ReceivedMessage,
    data: string,
    from: TelegramUser = { id: 4242, username: 'ann', first_name: 'Ann' },
  ) {
    const id = `${from.id}${this.nextUpdateId}`;
    this.callbackAnswers.set(id, undefined);
    this.updates.push({
      update_id: this.nextUpdateId++,
      callback_query: {
        id,
        from: { ...from, is_bot: false },
        message: {
          message_id: message.messageId,
          chat: { id: Number(message.chatId), type: Number(message.chatId) < 0 ? 'supergroup' : 'private' },
          date: Math.floor(message.receivedAt / 1000),
          text: message.visibleText,
          ...(message.replyMarkup ? { reply_markup: structuredClone(message.replyMarkup) } : {}),
        },
        chat_instance: `ci-${message.chatId}`,
        data,
      },
    });
    this.flushPoll();
    return id;
  }

  /** Updates sent but not confirmed yet (a getUpdates offset past them confirms them). */
  get unconfirmedUpdates(): number {
    return this.updates.length;
  }

  /** As setWebhook would: getUpdates then answers 409 Conflict. Empty string removes it. */
  setWebhook(url: string): void {
    this.webhookUrl = url;
    if (url && this.pendingPoll) this.endPoll(this.pendingPoll, 409, WEBHOOK_CONFLICT);
  }

  /** Whether a getUpdates long poll is waiting for an update now. */
  get hasWaitingPoll(): boolean {
    return this.pendingPoll !== undefined;
  }

  async close(): Promise<void> {
    if (this.pendingPoll) clearTimeout(this.pendingPoll.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (error: TelegramErrorAnswer) => answer(error.error_code, { ok: false, ...error });

    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (!match) return fail({ error_code: 404, description: 'Not Found' });
    if (match[1] !== this.token) return fail({ error_code: 401, description: 'Unauthorized' });
    const body = await readJson(req);
    if (body === undefined) return fail({ error_code: 400, description: 'Bad Request: invalid JSON body' });

    if (match[2] === 'getMe') {
      return answer(200, {
        ok: true,
        result: {
          id: Number(this.token.split(':')[0]),
          is_bot: true,
          first_name: 'Stand-in',
          username: 'lagwatch_test_bot',
        },
      });
    }
    if (match[2] === 'getUpdates') return this.getUpdates(body, answer, res);
    if (match[2] === 'answerCallbackQuery') return this.answerCallbackQuery(body, answer);
    if (match[2] === 'editMessageReplyMarkup') return this.editMessageReplyMarkup(body, answer);
    if (match[2] === 'getWebhookInfo') {
      return answer(200, {
        ok: true,
        result: { url: this.webhookUrl, has_custom_certificate: false, pending_update_count: this.updates.length },
      });
    }
    if (match[2] !== 'sendMessage') return fail({ error_code: 404, description: 'Not Found: method not found' });

    const chatId = body.chat_id === undefined ? '' : String(body.chat_id);
    const respond = (status: number, payload: unknown) => {
      this.requests.push({ chatId, status });
      answer(status, payload);
    };
    const refuse = (error: TelegramErrorAnswer) => respond(error.error_code, { ok: false, ...error });

    const scripted = this.takeFailure(chatId);
    if (scripted === 'stall') return; // never answered
    if (scripted) return refuse(scripted);
    if (chatId === '') return refuse({ error_code: 400, description: 'Bad Request: chat_id is empty' });
    if (this.unknownChats.has(chatId)) return refuse({ error_code: 400, description: 'Bad Request: chat not found' });
    const migratedTo = this.migrations.get(chatId);
    if (migratedTo !== undefined) {
      return refuse({
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: Number(migratedTo) },
      });
    }
    if (typeof body.text !== 'string')
      return refuse({ error_code: 400, description: 'Bad Request: message text is empty' });

    const parseMode = typeof body.parse_mode === 'string' ? body.parse_mode : undefined;
    let visibleText = body.text;
    let links: string[] = [];
    if (parseMode === 'HTML') {
      const parsed = parseTelegramHtml(body.text);
      if (!parsed.ok) return refuse({ error_code: 400, description: parsed.description });
      visibleText = parsed.visibleText;
      links = parsed.links;
    }
    if (visibleText.trim() === '')
      return refuse({ error_code: 400, description: 'Bad Request: message text is empty' });
    if (visibleText.length > 4096) return refuse({ error_code: 400, description: 'Bad Request: message is too long' });

    const markup = body.reply_markup === undefined ? undefined : inlineMarkupProblem(body.reply_markup);
    if (markup !== undefined && 'problem' in markup) {
      return refuse({ error_code: 400, description: markup.problem });
    }
    const preview = body.link_preview_options as { is_disabled?: boolean } | undefined;
    const message: ReceivedMessage = {
      chatId,
      text: body.text,
      visibleText,
      links,
      parseMode,
      linkPreviewDisabled: preview?.is_disabled === true || body.disable_web_page_preview === true,
      messageId: this.nextMessageId++,
      receivedAt: Date.now(),
      replyMarkup: markup?.markup,
      markupEdits: [],
    };
    this.messages.push(message);
    this.notifyWaiters();
    respond(200, {
      ok: true,
      result: {
        message_id: message.messageId,
        chat: { id: Number(chatId) },
        date: Math.floor(Date.now() / 1000),
        text: visibleText,
      },
    });
  }

  private getUpdates(
    body: Record<string, unknown>,
    answer: (status: number, body: unknown) => void,
    res: ServerResponse,
  ): void {
    const offset = typeof body.offset === 'number' ? body.offset : undefined;
    const timeout = typeof body.timeout === 'number' ? Math.min(Math.max(body.timeout, 0), 50) : 0;
    const limit = typeof body.limit === 'number' ? Math.min(Math.max(body.limit, 1), 100) : 100;
    if (this.webhookUrl) {
      this.polls.push({ offset, status: 409 });
      answer(409, { ok: false, error_code: 409, description: WEBHOOK_CONFLICT });
      return;
    }
    // Telegram ends a long poll that is still waiting when another request arrives.
    if (this.pendingPoll) {
      this.endPoll(
        this.pendingPoll,
        409,
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      );
    }
    // An offset confirms every update before it: they are never sent again.
    if (offset !== undefined && offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const poll: PendingPoll = {
      offset,
      limit,
      answer,
      timer: setTimeout(() => this.endPoll(poll, 200), timeout * 1000),
    };
    this.pendingPoll = poll;
    // The client gave up (aborted): the poll is no longer waiting.
    res.once('close', () => {
      if (this.pendingPoll === poll) {
        clearTimeout(poll.timer);
        this.pendingPoll = undefined;
      }
    });
    if (this.updates.length > 0 || timeout === 0) this.endPoll(poll, 200);
  }

  private flushPoll(): void {
    if (this.pendingPoll && this.updates.length > 0) this.endPoll(this.pendingPoll, 200);
  }

  private endPoll(poll: PendingPoll, status: number, description?: string): void {
    clearTimeout(poll.timer);
    if (this.pendingPoll === poll) this.pendingPoll = undefined;
    this.polls.push({ offset: poll.offset, status });
    if (status !== 200) {
      poll.answer(status, { ok: false, error_code: status, description });
      return;
    }
    poll.answer(200, { ok: true, result: this.updates.slice(0, poll.limit) });
  }

  private answerCallbackQuery(body: Record<string, unknown>, answer: (status: number, body: unknown) => void): void {
    const id = typeof body.callback_query_id === 'string' ? body.callback_query_id : '';
    if (!this.callbackAnswers.has(id) || this.callbackAnswers.get(id) !== undefined) {
      answer(400, {
        ok: false,
        error_code: 400,
        description: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
      });
      return;
    }
    if (body.text !== undefined && (typeof body.text !== 'string' || body.text.length > 200)) {
      answer(400, { ok: false, error_code: 400, description: 'Bad Request: MESSAGE_TOO_LONG' });
      return;
    }
    this.callbackAnswers.set(id, {
      text: body.text as string | undefined,
      show_alert: body.show_alert === true,
    });
    answer(200, { ok: true, result: true });
  }

  private editMessageReplyMarkup(body: Record<string, unknown>, answer: (status: number, body: unknown) => void): void {
    const refuse = (description: string) => answer(400, { ok: false, error_code: 400, description });
    const message = this.messages.find(
      (m) => m.chatId === String(body.chat_id ?? '') && m.messageId === Number(body.message_id),
    );
    if (!message) {
      refuse('Bad Request: message to edit not found');
      return;
    }
    const checked = body.reply_markup === undefined ? { markup: undefined } : inlineMarkupProblem(body.reply_markup);
    if ('problem' in checked) {
      refuse(checked.problem);
      return;
    }
    if (JSON.stringify(checked.markup) === JSON.stringify(message.replyMarkup)) {
      refuse(
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
      return;
    }
    message.replyMarkup = checked.markup;
    if (checked.markup) message.markupEdits.push(checked.markup);
    answer(200, {
      ok: true,
      result: { message_id: message.messageId, chat: { id: Number(message.chatId) }, reply_markup: checked.markup },
    });
  }

  private notifyWaiters(): void {
    const ready = this.waiters.filter((w) => w.done());
    this.waiters = this.waiters.filter((w) => !w.done());
    for (const w of ready) w.resolve();
  }

  private takeFailure(chatId: string): ScriptedFailure['answer'] | undefined {
    const index = this.failures.findIndex((f) => f.chatId === undefined || f.chatId === chatId);
    if (index < 0) return undefined;
    return this.failures.splice(index, 1)[0]!.answer;
  }
}

const WEBHOOK_CONFLICT =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

/** Checks an inline keyboard as Telegram does: buttons with text and 1-64 bytes of callback_data or a URL. */
function inlineMarkupProblem(markup: unknown): { markup: InlineMarkup } | { problem: string } {
  const rows = (markup as { inline_keyboard?: unknown } | null)?.inline_keyboard;
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
    return { problem: 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays' };
  }
  for (const button of rows.flat() as Array<Record<string, unknown>>) {
    if (typeof button?.text !== 'string' || button.text === '') {
      return {
        problem: "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
      };
    }
    const data = button.callback_data;
    if (data !== undefined) {
      if (typeof data !== 'string' || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64) {
        return { problem: 'Bad Request: BUTTON_DATA_INVALID' };
      }
    } else if (typeof button.url !== 'string') {
      return {
        problem:
          "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must have exactly one optional field",
      };
    }
  }
  return { markup: markup as InlineMarkup };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
