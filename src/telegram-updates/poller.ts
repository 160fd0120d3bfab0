import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { FetchLike } from '../alerts/channels/fetch-errors.js';
import { type BotApiAnswer, callBotApi } from '../alerts/channels/telegram/api.js';
import type { TelegramConfig } from '../config/config.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logging/logger.js';
import type { TargetRepository } from '../rules/target-repository.js';
import type { Lease } from '../scan/lease.js';
import type { SilenceRepository } from '../silences/silence-repository.js';
import { OffsetStore } from './offset-store.js';
import { handleUpdate, type TelegramUpdate } from './press-handler.js';

export interface PollerOptions {
  /** getUpdates long-poll timeout, seconds (default 25). */
  pollTimeoutSeconds?: number;
  /** Wait after a failed poll (409 Conflict, network), ms (default 5000, doubling to 60 s). */
  retryMs?: number;
  /** How often a process without the lease tries to take it, ms (default 10 s). */
  standbyMs?: number;
  fetch?: FetchLike;
  now?: () => number;
  onStep?: (step: 'received' | 'silenced' | 'answered' | 'committed') => void;
}

/** What the poller reads and writes through (the application context has it all). */
export interface TelegramUpdatesContext {
  config: { telegram: Pick<TelegramConfig, 'apiBase' | 'chatId' | 'groupId'> };
  logger: Logger;
  state: { db: Kysely<Database> };
  targets: Pick<TargetRepository, 'activeOfTypes'>;
  silences: Pick<SilenceRepository, 'create' | 'expire' | 'get' | 'originOf'>;
}

/** The bot's id: the token's part before the colon (public; the rest is the secret). */
export const botIdOf = (token: string): string => token.split(':')[0] ?? 'bot';

export const updatesLeaseName = (botId: string): string => `telegram-updates:${botId}`;

/**
 * Reads Telegram button presses with getUpdates long polling. One poller at a time across
 * processes (the lease — Redis or the database, like the scan's), the offset in the database
 * (advanced after each update is handled, so a restart replays at most the update it was
 * handling, which handleUpdate makes harmless). 409 Conflict — another client polling the same
 * bot, or a webhook set — is recorded for `diagnose` and retried with backoff.
 */
export class TelegramUpdatesPoller {
  private readonly store: OffsetStore;
  private readonly botId: string;
  private readonly holder = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly ctx: TelegramUpdatesContext,
    private readonly lease: Lease,
    private readonly token: string,
    private readonly options: PollerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.store = new OffsetStore(ctx.state.db, this.now);
    this.botId = botIdOf(token);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.lease.release(updatesLeaseName(this.botId), this.holder).catch(() => undefined);
  }

  /**
   * Takes (or renews) the lease and polls once; returns the updates handled, or undefined when
   * another process holds the lease. Throws nothing for Bot API failures: they are recorded.
   */
  async pollOnce(timeoutSeconds = this.options.pollTimeoutSeconds ?? 25): Promise<number | undefined> {
    const leaseMs = timeoutSeconds * 1000 + 30_000;
    if (!(await this.lease.acquire(updatesLeaseName(this.botId), this.holder, leaseMs))) return undefined;
    const offset = await this.store.nextOffset(this.botId);
    const answer = await this.call(
      'getUpdates',
      { ...(offset !== undefined ? { offset } : {}), timeout: timeoutSeconds, allowed_updates: ['callback_query'] },
      timeoutSeconds * 1000 + 10_000,
    );
    if (answer.kind !== 'ok') {
      const reason = answer.kind === 'error' ? `${answer.status} ${answer.description}` : answer.reason;
      const conflict = answer.kind === 'error' && answer.status === 409;
      await this.store.recordError(this.botId, `getUpdates: ${reason}`);
      this.ctx.logger.warn(
        { reason },
        conflict
          ? 'Telegram getUpdates conflict: another client polls this bot or a webhook is set (TELEGRAM_UPDATES=off turns polling off)'
          : 'Telegram getUpdates failed; retrying',
      );
      throw new PollFailed(reason);
    }
    const updates = Array.isArray(answer.result) ? (answer.result as TelegramUpdate[]) : [];
    if (updates.length === 0) await this.store.recordOk(this.botId);
    for (const update of updates) {
      if (typeof update?.update_id !== 'number') continue;
      this.options.onStep?.('received');
      await handleUpdate(update, {
        db: this.ctx.state.db,
        silences: this.ctx.silences,
        alertChats: () => this.alertChats(),
        callBot: (method, body) => this.call(method, body, 10_000),
        botId: this.botId,
        logger: this.ctx.logger,
        now: this.now,
        onStep: this.options.onStep,
      });
      await this.store.advance(this.botId, update.update_id + 1);
      this.options.onStep?.('committed');
    }
    return updates.length;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      let wait = 0;
      try {
        const handled = await this.pollOnce();
        failures = 0;
        if (handled === undefined) wait = this.options.standbyMs ?? 10_000;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        wait = Math.min((this.options.retryMs ?? 5_000) * 2 ** (failures - 1), 60_000);
        if (!(error instanceof PollFailed)) this.ctx.logger.error({ err: error }, 'Telegram updates poller failed');
      }
      if (wait > 0) await delay(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  private call(method: string, body: Record<string, unknown>, timeoutMs: number): Promise<BotApiAnswer> {
    return callBotApi(
      { apiBase: this.ctx.config.telegram.apiBase, token: this.token, fetch: this.options.fetch ?? fetch, timeoutMs },
      method,
      body,
      this.abort.signal,
    );
  }

  private async alertChats(): Promise<Set<string>> {
    const { chatId, groupId } = this.ctx.config.telegram;
    const targets = await this.ctx.targets.activeOfTypes(['telegram_chat', 'telegram_group']);
    const chats = new Set(targets.map((t) => t.external_id));
    if (chatId) chats.add(chatId);
    if (groupId) chats.add(groupId);
    return chats;
  }
}

class PollFailed extends Error {}
