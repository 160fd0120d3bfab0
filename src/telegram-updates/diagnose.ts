import { callBotApi } from '../alerts/channels/telegram/api.js';
import type { Config } from '../config/config.js';
import type { StateDb } from '../db/connection.js';
import { OffsetStore } from './offset-store.js';
import { botIdOf } from './poller.js';

export interface UpdatesCheck {
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
}

/**
 * How the Mute buttons' poller fares, without polling (a poll here would cut the running
 * poller's with 409): a webhook on the bot (getWebhookInfo) makes getUpdates impossible; the
 * last poll's outcome comes from the database, where the poller of any process records it.
 */
export async function checkTelegramUpdates(config: Config, state: StateDb, now = Date.now()): Promise<UpdatesCheck> {
  const token = config.telegram.botToken;
  if (!token) return { status: 'skip', detail: 'TELEGRAM_BOT_TOKEN not set' };
  if (!config.telegram.updates) return { status: 'skip', detail: 'TELEGRAM_UPDATES=off: no Mute buttons' };
  const info = await callBotApi(
    { apiBase: config.telegram.apiBase, token, fetch, timeoutMs: 10_000 },
    'getWebhookInfo',
    {},
  );
  const url = info.kind === 'ok' ? (info.result as { url?: unknown } | null)?.url : undefined;
  if (typeof url === 'string' && url !== '') {
    return {
      status: 'fail',
      detail:
        'the bot has a webhook set, so getUpdates gets 409 Conflict: set TELEGRAM_UPDATES=off or delete the webhook',
    };
  }
  const status = await new OffsetStore(state.db).status(botIdOf(token)).catch(() => undefined);
  if (!status || (status.lastOkAt === null && status.lastErrorAt === null)) {
    return { status: 'warn', detail: 'no poll recorded yet (the poller runs inside `lagwatch start`)' };
  }
  const failing = status.lastErrorAt !== null && (status.lastOkAt === null || status.lastErrorAt > status.lastOkAt);
  if (failing && now - (status.lastErrorAt ?? 0) < 15 * 60_000) {
    const conflict = /\b409\b/.test(status.lastError ?? '');
    return {
      status: 'fail',
      detail: conflict
        ? `${status.lastError}: another client polls this bot (stop it, or set TELEGRAM_UPDATES=off here)`
        : (status.lastError ?? 'getUpdates failing'),
    };
  }
  const ago = Math.round((now - (status.lastOkAt ?? now)) / 1000);
  return { status: 'ok', detail: `last poll ${ago} s ago, next update offset ${status.nextOffset}` };
}
