import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, type Notifier } from '../../../src/alerts/channels/notifier.js';
import {
  TelegramNotifier,
  type TelegramNotifierOptions,
  telegramGetMe,
} from '../../../src/alerts/channels/telegram/notifier.js';
import type { Destination } from '../../../src/alerts/notification.js';
import type { Config } from '../../../src/config/config.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TelegramStandIn } from '../../support/telegram-stand-in.js';
import { HOSTILE_TEXTS, notification, sample } from '../render/sample-notification.js';

const CHAT: Destination = { channel: 'telegram_chat', address: '1001', targetId: 1 };
const GROUP: Destination = { channel: 'telegram_group', address: '-2002', targetId: 2 };
const FAST_PACING = { perChatIntervalMs: 5, groupPerMinute: 1000, globalPerSecond: 1000 };

let standIn: TelegramStandIn;
let config: Config;
const errors: string[] = [];
const logLines: string[] = [];
const logger = createLogger(
  { logLevel: 'debug' },
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

function telegramConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ TELEGRAM_BOT_TOKEN: standIn.token, TELEGRAM_API_BASE: standIn.apiBase, ...overrides }, undefined);
}

function notifier(options: TelegramNotifierOptions = {}, cfg: Config = config): TelegramNotifier {
  return new TelegramNotifier(cfg.telegram, { pacing: FAST_PACING, logger, ...options });
}

/** Sends and returns the DeliveryError it must throw (recorded for the token check). */
async function failure(send: Promise<unknown>): Promise<DeliveryError> {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  errors.push((error as DeliveryError).message);
  return error as DeliveryError;
}

beforeEach(async () => {
  standIn = await TelegramStandIn.start();
  config = telegramConfig();
});

afterEach(async () => {
  await standIn.close();
});

afterAll(() => {
  // Every error and log line of this file, whatever the failure: no token anywhere.
  expect(errors.length).toBeGreaterThan(5);
  for (const text of [...errors, ...logLines]) {
    expect(text).not.toContain(standIn.token);
    expect(text).not.toContain(standIn.token.split(':')[1]);
  }
});

describe('TelegramNotifier', () => {
  it('delivers hostile log text as valid, readable HTML with link previews off', async () => {
    const samples = HOSTILE_TEXTS.map(({ text }, i) =>
      sample({ correlationId: `req-${i}`, message: text, traceUrl: `http://127.0.0.1:9501/trace?id=req-${i}&x="1"` }),
    );
    const n = notification({ app: HOSTILE_TEXTS[0]!.text, messageKey: HOSTILE_TEXTS[1]!.text, samples });
    await expect(notifier().send(n, CHAT)).resolves.toEqual({ reply: expect.stringContaining('Telegram accepted') });

    const received = standIn.messagesTo(CHAT.address);
    expect(received.length).toBeGreaterThanOrEqual(1);
    const visible = received.map((m) => m.visibleText).join('\n');
    expect(visible).toContain(`App: ${HOSTILE_TEXTS[0]!.readable}`);
    expect(visible).toContain(`Message key: ${HOSTILE_TEXTS[1]!.readable}`);
    for (const { readable } of HOSTILE_TEXTS) expect(visible).toContain(readable.slice(0, 25));
    for (const m of received) {
      expect(m.parseMode).toBe('HTML');
      expect(m.linkPreviewDisabled).toBe(true);
    }
    expect(received.flatMap((m) => m.links)).toContain('http://127.0.0.1:9501/trace?id=req-0&x="1"');
  });

  it('splits a long alert into parts of at most 4096 characters, sent in order', async () => {
    const samples = Array.from({ length: 10 }, (_, i) =>
      sample({ correlationId: `req-${i}`, message: `<&>${'<b>&amp;'.repeat(40)}` }),
    );
    await notifier().send(notification({ samples }), GROUP);
    const received = standIn.messagesTo(GROUP.address);
    expect(received.length).toBeGreaterThan(1);
    for (const m of received) expect(m.text.length).toBeLessThanOrEqual(4096);
    const visible = received.map((m) => m.visibleText).join('\n');
    const order = Array.from({ length: 10 }, (_, i) => visible.indexOf(`req-${i}`));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('keeps each chat in call order when notifications are sent at once', async () => {
    const telegram = notifier();
    const sends = [];
    for (let i = 0; i < 6; i++) {
      sends.push(telegram.send(notification({ app: `app-${i}` }), i % 2 === 0 ? CHAT : GROUP));
    }
    await Promise.all(sends);
    const apps = (chat: string) => standIn.messagesTo(chat).map((m) => /App: (app-\d)/.exec(m.visibleText)?.[1]);
    expect(apps(CHAT.address)).toEqual(['app-0', 'app-2', 'app-4']);
    expect(apps(GROUP.address)).toEqual(['app-1', 'app-3', 'app-5']);
  });

  it('surfaces 429 retry_after as retryAfterMs and holds the chat back that long', async () => {
    let now = 1_000_000;
    const waits: number[] = [];
    const telegram = notifier({
      pacing: { perChatIntervalMs: 1000, groupPerMinute: 20, globalPerSecond: 30 },
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    standIn.tooManyRequestsNext(7, CHAT.address);
    const error = await failure(telegram.send(notification(), CHAT));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toContain('429');

    await telegram.send(notification(), CHAT);
    expect(waits).toEqual([7000]);
    expect(standIn.messagesTo(CHAT.address)).toHaveLength(1);
  });

  it('gives a long pause back to the caller instead of holding it', async () => {
    let now = 1_000_000;
    const telegram = notifier({
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      maxPacingWaitMs: 10_000,
    });
    standIn.tooManyRequestsNext(60, CHAT.address);
    await failure(telegram.send(notification(), CHAT));
    now += 15_000;
    const paused = await failure(telegram.send(notification(), CHAT));
    expect(paused.retryable).toBe(true);
    expect(paused.retryAfterMs).toBe(45_000);
    expect(standIn.requests).toHaveLength(1); // the paused send never reached Telegram

    const other = await telegram.send(notification(), GROUP); // other chats are not held up
    expect(other).toEqual({ reply: 'Telegram accepted the message (ok: true)' });
    now += 45_000;
    await telegram.send(notification(), CHAT);
    expect(standIn.messagesTo(CHAT.address)).toHaveLength(1);
  });

  it('treats 500 as retryable and delivers once Telegram recovers', async () => {
    const telegram = notifier();
    standIn.failNext(2, { error_code: 500, description: 'Internal Server Error' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await failure(telegram.send(notification(), CHAT));
      expect(error.retryable).toBe(true);
      expect(error.retryAfterMs).toBeUndefined();
    }
    await telegram.send(notification(), CHAT);
    expect(standIn.messagesTo(CHAT.address)).toHaveLength(1);
  });

  it('treats a wrong token (401) as permanent, without the token in the error', async () => {
    const wrong = telegramConfig({ TELEGRAM_BOT_TOKEN: '999999:WRONG-secret-token-value' });
    const error = await failure(notifier({}, wrong).send(notification(), CHAT));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('401 Unauthorized');
    expect(error.message).not.toContain('WRONG-secret-token-value');
  });

  it('scrubs the token from an answer that echoes the request path', async () => {
    standIn.failNext(1, {
      error_code: 502,
      description: `Bad Gateway: upstream /bot${standIn.token}/sendMessage failed`,
    });
    const error = await failure(notifier().send(notification(), CHAT));
    expect(error.message).toContain('/bot***/sendMessage');
  });

  it('treats chat not found and a blocked bot as permanent', async () => {
    standIn.forgetChat(CHAT.address);
    const notFound = await failure(notifier().send(notification(), CHAT));
    expect(notFound.retryable).toBe(false);
    expect(notFound.message).toContain('Bad Request: chat not found');

    standIn.failNext(1, { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    const blocked = await failure(notifier().send(notification(), GROUP));
    expect(blocked.retryable).toBe(false);
    expect(blocked.message).toContain('403 Forbidden');
  });

  it('reports an entity error as permanent with Telegram’s description', async () => {
    standIn.failNext(1, {
      error_code: 400,
      description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3',
    });
    const error = await failure(notifier().send(notification(), CHAT));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("can't parse entities");
  });

  it('follows migrate_to_chat_id and reports the new chat id', async () => {
    standIn.migrateChat('-2002', '-1009876543210');
    const receipt = await notifier().send(notification(), GROUP);
    expect(receipt).toEqual({ migratedTo: '-1009876543210', reply: 'Telegram accepted the message (ok: true)' });
    expect(standIn.messagesTo('-1009876543210')).toHaveLength(1);
    expect(standIn.messagesTo('-2002')).toHaveLength(0);
  });

  it('resends only the parts not yet accepted when a split message failed midway', async () => {
    const samples = Array.from({ length: 10 }, (_, i) =>
      sample({ correlationId: `req-${i}`, message: '<>'.repeat(150) }),
    );
    const n = notification({ samples });
    let calls = 0;
    const failSecondCall: typeof fetch = (input, init) => {
      calls++;
      if (calls === 2) standIn.failNext(1, { error_code: 502, description: 'Bad Gateway' });
      return fetch(input, init);
    };
    const telegram = notifier({ fetch: failSecondCall });
    const error = await failure(telegram.send(n, CHAT, undefined, { deliveryKey: 'outbox-17' }));
    expect(error.retryable).toBe(true);
    expect(error.progress?.partsSent).toBe(1);
    const total = error.progress!.partsTotal;
    expect(total).toBeGreaterThan(2);

    await telegram.send(n, CHAT, undefined, { deliveryKey: 'outbox-17' });
    const texts = standIn.messagesTo(CHAT.address).map((m) => m.text);
    expect(texts).toHaveLength(total);
    expect(new Set(texts).size).toBe(total);
    expect(texts[1]!.startsWith(`<i>(2/${total})</i>`)).toBe(true);

    // The caller may persist the progress instead: a fresh notifier resumes from it.
    await notifier().send(n, GROUP, undefined, { partsAlreadySent: total - 1 });
    expect(standIn.messagesTo(GROUP.address).map((m) => m.text)).toEqual([texts[total - 1]]);
  });

  it('treats a Bot API that does not answer as retryable', async () => {
    standIn.stallNext(1);
    const error = await failure(notifier({ requestTimeoutMs: 200 }).send(notification(), CHAT));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('treats an unreachable Bot API as retryable', async () => {
    const closed = await TelegramStandIn.start();
    const base = closed.apiBase;
    await closed.close();
    const error = await failure(notifier({}, telegramConfig({ TELEGRAM_API_BASE: base })).send(notification(), CHAT));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('stops waiting for its turn when the signal aborts', async () => {
    const telegram = notifier({
      pacing: { perChatIntervalMs: 600_000, groupPerMinute: 20, globalPerSecond: 30 },
      maxPacingWaitMs: 3_600_000,
    });
    await telegram.send(notification(), CHAT);
    const controller = new AbortController();
    const waiting = telegram.send(notification(), CHAT, controller.signal);
    controller.abort();
    const error = await failure(waiting);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('Telegram send aborted');
    expect(standIn.messagesTo(CHAT.address)).toHaveLength(1);
  });

  it('refuses permanently, naming the variable, when no bot token is configured', async () => {
    const unconfigured = loadConfig({}, undefined);
    const error = await failure(new TelegramNotifier(unconfigured.telegram).send(notification(), CHAT));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('TELEGRAM_BOT_TOKEN');
  });

  it('satisfies the Notifier contract', () => {
    const asNotifier: Notifier = notifier();
    expect(typeof asNotifier.send).toBe('function');
  });
});

describe('telegramGetMe', () => {
  it('reports the bot username for a good token', async () => {
    await expect(telegramGetMe(config)).resolves.toEqual({ ok: true, username: 'lagwatch_test_bot' });
  });

  it('reports a bad token without echoing it', async () => {
    const result = await telegramGetMe(telegramConfig({ TELEGRAM_BOT_TOKEN: '999999:WRONG-secret-token-value' }));
    expect(result.ok).toBe(false);
    expect(result.error).toContain('401');
    expect(result.error).not.toContain('WRONG-secret');
    errors.push(result.error!);
  });

  it('reports a missing token', async () => {
    await expect(telegramGetMe(loadConfig({}, undefined))).resolves.toEqual({
      ok: false,
      error: 'TELEGRAM_BOT_TOKEN is not set',
    });
  });
});
