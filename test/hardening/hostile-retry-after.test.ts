import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifiers } from '../../src/alerts/channels/registry.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { exponentialBackoff } from '../../src/alerts/retry-policy.js';
import type { AlertLogTable } from '../../src/db/schema.js';
import { MAX_RETRY_AFTER_MS } from '../../src/outbound/retry-after.js';
import { notification } from '../alerts/render/sample-notification.js';
import { type TestApi, testApi } from '../http/support.js';
import { insertAlertRows } from '../support/alert-log-rows.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { TelegramStandIn } from '../support/telegram-stand-in.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/hostile-retry-after');

/** What hostile or broken receivers answered in Retry-After. */
const HOSTILE_RETRY_AFTER = ['99999999999999999999', '1'.repeat(300), 'Fri, 31 Dec 9999 23:59:59 GMT', '31536000'];
/** The largest value each driver's BIGINT column takes from a direct write. */
const OUT_OF_RANGE: Record<string, number> = { sqlite: 1e23, mysql: 9.2e18, postgres: 9.2e18 };

let serial = 0;
function pendingRow(
  channel: 'webhook' | 'telegram_chat',
  destination: string,
  over: Partial<Insertable<AlertLogTable>> = {},
) {
  const now = Date.now() - 60_000 + ++serial;
  return {
    rule_type: 'app' as const,
    rule_id: 1,
    app_name: 'checkout',
    message_key: null,
    channel,
    destination,
    target_id: null,
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    violation_count: 1,
    payload: JSON.stringify(notification()),
    created_at: now,
    updated_at: now,
    sent_at: null,
    ...over,
  };
}

describe.each(drivers)('hostile Retry-After and retry_after over $driver', (driver) => {
  let api: TestApi;
  let standIn: TelegramStandIn;
  let receiver: Server;
  let hookUrl: string;
  let answer: (res: ServerResponse) => void;
  let hits = 0;

  beforeAll(async () => {
    if (driver.skipReason) return;
    standIn = await TelegramStandIn.start();
    api = await testApi(driver, {
      env: { TELEGRAM_BOT_TOKEN: standIn.token, TELEGRAM_API_BASE: standIn.apiBase, TELEGRAM_UPDATES: 'off' },
    });
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits++;
        answer(res);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await standIn?.close();
    await api?.close();
  });
  beforeEach(async () => {
    if (driver.skipReason) return;
    await api.ctx.state.db.deleteFrom('alert_log').execute();
    answer = (res) => res.writeHead(204).end();
  });

  const outbox = () =>
    new Outbox(api.ctx.state.db, {
      notifiers: createNotifiers(api.ctx.config, { telegram: { maxPacingWaitMs: 0 } }),
      targets: api.ctx.targets,
      retry: exponentialBackoff(),
      secrets: [],
      logger: api.ctx.logger,
    });
  const rows = () => api.ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
  const alerts = async () => {
    const response = await api.app.inject({ method: 'GET', url: '/alerts' });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    return response.json().data.items as { id: number; next_attempt_at: string | null }[];
  };

  it.skipIf(driver.skipReason)('a webhook asking to wait for ever is tried again within the hour', async () => {
    for (const value of HOSTILE_RETRY_AFTER) {
      await api.ctx.state.db.deleteFrom('alert_log').execute();
      answer = (res) => res.writeHead(503, { 'retry-after': value }).end('busy');
      await insertAlertRows(api.ctx.state.db, { row: pendingRow('webhook', hookUrl) });
      expect(await outbox().deliverDue(), value).toEqual({ sent: 0, failed: 0, retrying: 1 });
      const [row] = await rows();
      expect(row!.status).toBe('pending');
      expect(Number(row!.next_attempt_at) - Number(row!.updated_at), value).toBe(MAX_RETRY_AFTER_MS);
      const [listed] = await alerts();
      expect(listed!.next_attempt_at).toBe(new Date(Number(row!.next_attempt_at)).toISOString());
    }
  });

  it.skipIf(driver.skipReason)("Telegram's retry_after of 1e20 s is capped the same way", async () => {
    standIn.tooManyRequestsNext(1e20, '4242');
    await insertAlertRows(api.ctx.state.db, { row: pendingRow('telegram_chat', '4242') });
    expect(await outbox().deliverDue()).toEqual({ sent: 0, failed: 0, retrying: 1 });
    const [row] = await rows();
    expect(row!.last_error).toContain('429');
    expect(Number(row!.next_attempt_at) - Number(row!.updated_at)).toBe(MAX_RETRY_AFTER_MS);
    expect((await alerts())[0]!.next_attempt_at).toMatch(/^\d{4}-/);
  });

  it.skipIf(driver.skipReason)(
    'a row stored with an out-of-range next_attempt_at is listed (200) and sent, not parked for ever',
    async () => {
      const huge = OUT_OF_RANGE[driver.driver]!;
      const ids = await insertAlertRows(api.ctx.state.db, {
        parked: pendingRow('webhook', hookUrl, { attempts: 1, next_attempt_at: huge, last_error: 'HTTP 503' }),
        behind: pendingRow('webhook', hookUrl),
      });
      const listed = await alerts();
      expect(listed.find((a) => a.id === ids.parked)!.next_attempt_at).toBe('9999-12-31T23:59:59.999Z');
      const before = hits;
      expect(await outbox().deliverDue()).toEqual({ sent: 2, failed: 0, retrying: 0 });
      expect(hits - before).toBe(2);
      expect((await rows()).map((r) => r.status)).toEqual(['sent', 'sent']);
    },
  );
});
