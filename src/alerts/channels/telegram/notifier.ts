import { setTimeout as delay } from 'node:timers/promises';
import type { Config, TelegramConfig } from '../../../config/config.js';
import { maskUrl } from '../../../config/redact.js';
import type { Logger } from '../../../logging/logger.js';
import type { AlertNotification, Destination } from '../../notification.js';
import { renderTelegram } from '../../render/telegram.js';
import type { FetchLike } from '../fetch-errors.js';
import { DeliveryError, type DeliveryReceipt, type Notifier, type SendOptions } from '../notifier.js';
import { type BotApiAnswer, callBotApi } from './api.js';
import { ChatPacer, DEFAULT_PACING, type PacingLimits, type Sleep } from './chat-pacer.js';
import { type InlineKeyboard, muteKeyboard } from './keyboard.js';

export interface TelegramNotifierOptions {
  fetch?: FetchLike;
  now?: () => number;
  /** How the pacer waits; honours the signal. Defaults to a real timer. */
  sleep?: Sleep;
  logger?: Logger;
  pacing?: Partial<PacingLimits>;
  /** Per Bot API request. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * Longest the notifier waits for a chat's turn (after a 429, or a group's 20 a minute)
   * before giving the send back as retryable with retryAfterMs, so that one paused chat does
   * not hold up the caller's other deliveries. Default 10 s.
   */
  maxPacingWaitMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PACING_WAIT_MS = 10_000;
// Progress of split messages whose send failed midway, by delivery key; bounded.
const MAX_REMEMBERED = 10_000;
const MAX_MIGRATION_HOPS = 2;

export const realSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/**
 * Telegram for both `telegram_chat` and `telegram_group` destinations: HTML messages split
 * into parts of at most 4096 characters, sent in order and paced per chat (see ChatPacer).
 * 429 → retryable with the chat's retry_after; 5xx, timeouts, network errors → retryable;
 * migrate_to_chat_id → sent to the new chat and reported in the receipt; anything else (bad
 * token, chat not found, blocked, unparsable) → permanent. The token never appears in errors.
 */
export class TelegramNotifier implements Notifier {
  private readonly pacer: ChatPacer;
  private readonly partsSent = new Map<string, number>();
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(
    private readonly telegram: TelegramConfig,
    private readonly options: TelegramNotifierOptions = {},
  ) {
    this.pacer = new ChatPacer(
      { ...DEFAULT_PACING, ...options.pacing },
      options.now ?? Date.now,
      options.sleep ?? realSleep,
    );
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
    options: SendOptions = {},
  ): Promise<DeliveryReceipt> {
    const token = this.telegram.botToken;
    if (!token) throw new DeliveryError('Telegram is not configured: TELEGRAM_BOT_TOKEN is not set', false);
    const parts = renderTelegram(notification);
    const key = options.deliveryKey;
    const remembered = key === undefined ? undefined : this.partsSent.get(key);
    const first = Math.min(options.partsAlreadySent ?? remembered ?? 0, parts.length);

    // Mute buttons under the last part of an alert, when lagwatch reads the presses.
    const keyboard =
      this.telegram.updates && notification.kind !== 'resolved' && options.alertId !== undefined
        ? muteKeyboard(options.alertId)
        : undefined;
    let chatId = destination.address;
    let migratedTo: string | undefined;
    let sent = first;
    try {
      await this.pacer.exclusive(destination.address, signal, async () => {
        for (; sent < parts.length; sent++) {
          const markup = sent === parts.length - 1 ? keyboard : undefined;
          const acceptedBy = await this.sendPart(token, chatId, parts[sent]!, markup, signal);
          if (acceptedBy !== chatId) chatId = migratedTo = acceptedBy;
        }
      });
    } catch (error) {
      if (key !== undefined && sent > 0) this.remember(key, sent);
      const progress = { partsSent: sent, partsTotal: parts.length };
      if (error instanceof DeliveryError) {
        throw new DeliveryError(error.message, error.retryable, error.retryAfterMs, progress);
      }
      if (signal?.aborted) throw new DeliveryError('Telegram send aborted', true, undefined, progress);
      throw error;
    }
    if (key !== undefined) this.partsSent.delete(key);
    const reply = `Telegram accepted ${parts.length === 1 ? 'the message' : `all ${parts.length} parts`} (ok: true)`;
    return migratedTo === undefined ? { reply } : { migratedTo, reply };
  }

  /** Sends one part; returns the chat id that accepted it (another after a migration). */
  private async sendPart(
    token: string,
    chatId: string,
    text: string,
    keyboard: InlineKeyboard | undefined,
    signal?: AbortSignal,
    hops = 0,
  ): Promise<string> {
    const wait = this.pacer.delayFor(chatId);
    if (wait > (this.options.maxPacingWaitMs ?? DEFAULT_MAX_PACING_WAIT_MS)) {
      throw new DeliveryError(`Telegram chat ${chatId} is paced: next message possible in ${wait} ms`, true, wait);
    }
    await this.pacer.awaitTurn(chatId, signal);
    const answer = await callBotApi(
      { apiBase: this.telegram.apiBase, token, fetch: this.fetch, timeoutMs: this.timeoutMs },
      'sendMessage',
      {
        chat_id: chatId,
        text,
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(keyboard ? { reply_markup: keyboard } : {}),
      },
      signal,
    );
    if (answer.kind === 'ok') return chatId;
    if (answer.kind === 'error' && answer.migrateToChatId !== undefined && hops < MAX_MIGRATION_HOPS) {
      this.options.logger?.info(
        { chatId, migratedTo: answer.migrateToChatId },
        'telegram group became a supergroup; sending to the new chat id',
      );
      return this.sendPart(token, answer.migrateToChatId, text, keyboard, signal, hops + 1);
    }
    throw this.failure(chatId, answer);
  }

  private failure(chatId: string, answer: Exclude<BotApiAnswer, { kind: 'ok' }>): DeliveryError {
    const where = `Telegram sendMessage to chat ${chatId}`;
    if (answer.kind === 'unreachable') return new DeliveryError(`${where}: ${answer.reason}`, true);
    const what = `${where}: ${answer.status} ${answer.description}`;
    if (answer.status === 429) {
      const retryAfterMs = Math.max(1000, answer.retryAfterMs ?? 1000);
      this.pacer.pause(chatId, retryAfterMs);
      this.options.logger?.warn({ chatId, retryAfterMs }, 'telegram asked to slow down (429)');
      return new DeliveryError(what, true, retryAfterMs);
    }
    return new DeliveryError(what, answer.status >= 500 || answer.status === 408);
  }

  private remember(key: string, parts: number): void {
    this.partsSent.delete(key);
    this.partsSent.set(key, parts);
    if (this.partsSent.size > MAX_REMEMBERED) this.partsSent.delete(this.partsSent.keys().next().value!);
  }
}

export interface TelegramCheck {
  ok: boolean;
  /** The bot's @username, when the token works. */
  username?: string;
  error?: string;
}

/** Checks the bot token with `getMe` without sending anything (diagnose, test:telegram). */
export async function telegramGetMe(
  config: Pick<Config, 'telegram'>,
  fetchImpl: FetchLike = fetch,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<TelegramCheck> {
  const token = config.telegram.botToken;
  if (!token) return { ok: false, error: 'TELEGRAM_BOT_TOKEN is not set' };
  const answer = await callBotApi(
    { apiBase: config.telegram.apiBase, token, fetch: fetchImpl, timeoutMs },
    'getMe',
    {},
  );
  if (answer.kind === 'unreachable') {
    return {
      ok: false,
      error: `Telegram Bot API at ${maskUrl(config.telegram.apiBase)} unreachable: ${answer.reason}`,
    };
  }
  if (answer.kind === 'error') return { ok: false, error: `getMe: ${answer.status} ${answer.description}` };
  const username = (answer.result as { username?: unknown } | null)?.username;
  return typeof username === 'string' ? { ok: true, username } : { ok: true };
}
