import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertLogTable } from '../../src/db/schema.js';
import { notification, sample } from '../alerts/render/sample-notification.js';
import { insertAlertRows } from '../support/alert-log-rows.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'http alert log');

const BASE = Date.parse('2026-03-01T10:00:00Z');
const HOSTILE = '<b>5 & 6</b> "quoted"';

function row(i: number, over: Partial<Insertable<AlertLogTable>>): Insertable<AlertLogTable> {
  return {
    rule_type: 'app',
    rule_id: 1,
    app_name: 'checkout',
    message_key: null,
    channel: 'telegram_chat',
    destination: '123456',
    target_id: null,
    status: 'sent',
    attempts: 1,
    next_attempt_at: BASE + i * 1000,
    last_error: null,
    violation_count: 3,
    payload: JSON.stringify(notification({ app: 'checkout', ruleType: 'app', ruleId: 1, messageKey: null })),
    created_at: BASE + i * 1000,
    updated_at: BASE + i * 1000,
    sent_at: BASE + i * 1000 + 10,
    ...over,
  };
}

describe.each(drivers)('alert log API over $driver', (driver) => {
  let api: TestApi;
  const ids: Record<string, number> = {};
  const get = async (url: string) => {
    const response = await api.app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver);
    const rows: Record<string, Insertable<AlertLogTable>> = {
      sent: row(0, {}),
      pending: row(1, {
        channel: 'webhook',
        destination: 'https://hooks.example.com/x',
        status: 'pending',
        attempts: 3,
        next_attempt_at: BASE + 90_000,
        last_error: 'HTTP 503',
        sent_at: null,
      }),
      // Written with no active target: it stands for both of the rule's channels.
      noTarget: row(2, {
        app_name: 'search',
        rule_type: 'message',
        rule_id: 4,
        message_key: 'q',
        channel: 'email,telegram_group',
        destination: '-',
        status: 'suppressed',
        attempts: 0,
        last_error: 'no active target for email, telegram_group',
        sent_at: null,
        payload: JSON.stringify(
          notification({
            app: 'search',
            messageKey: 'q',
            ruleId: 4,
            samples: [
              sample({ correlationId: 'trace-worst', message: HOSTILE }),
              sample({ correlationId: null, durationMs: 900 }),
              sample({ correlationId: 'trace-next', durationMs: 800 }),
            ],
          }),
        ),
      }),
      cooldown: row(3, {
        app_name: 'search',
        channel: 'email',
        destination: 'ops@example.com',
        status: 'suppressed',
        attempts: 0,
        last_error: 'in cooldown',
        sent_at: null,
      }),
      damaged: row(4, { payload: '{"not":"a notification"', app_name: 'legacy', status: 'failed', sent_at: null }),
    };
    Object.assign(ids, await insertAlertRows(api.ctx.state.db, rows));
  });
  afterAll(async () => api?.close());

  it.skipIf(driver.skipReason)('lists the next retry of pending rows, the quoted traces and the span', async () => {
    const { status, body } = await get('/alerts');
    expect(status).toBe(200);
    const byId = new Map(body.data.items.map((a: { id: number }) => [a.id, a]));
    expect(byId.size).toBe(5);
    expect(byId.get(ids.pending)).toMatchObject({
      status: 'pending',
      attempts: 3,
      last_error: 'HTTP 503',
      next_attempt_at: new Date(BASE + 90_000).toISOString(),
    });
    for (const name of ['sent', 'noTarget', 'cooldown', 'damaged']) {
      expect(byId.get(ids[name]!)).toMatchObject({ next_attempt_at: null });
    }
    const noTarget = notification();
    expect(byId.get(ids.noTarget)).toMatchObject({
      correlation_ids: ['trace-worst', 'trace-next'],
      first_at: new Date(noTarget.firstAt).toISOString(),
      last_at: new Date(noTarget.lastAt).toISOString(),
    });
    expect(byId.get(ids.sent)).toMatchObject({ correlation_ids: ['req-1', 'req-2'] });
    expect(byId.get(ids.damaged)).toMatchObject({ correlation_ids: [], first_at: null, last_at: null });
  });

  it.skipIf(driver.skipReason)('links each row to the violations its notification reported', async () => {
    const { body } = await get('/alerts');
    const byId = new Map(body.data.items.map((a: { id: number }) => [a.id, a]));
    const row = byId.get(ids.noTarget) as {
      dashboard_url: string;
      rule_type: string;
      rule_id: number;
      app_name: string;
    };
    const link = new URL(row.dashboard_url);
    const query = new URLSearchParams(link.hash.replace(/^#\/violations\?/, ''));
    const noTarget = notification();
    expect(link.hash.startsWith('#/violations?')).toBe(true);
    expect(query.get('rule')).toBe(`${row.rule_type}:${row.rule_id}`);
    expect(query.get('app')).toBe(row.app_name);
    expect(query.get('from')).toBe(new Date(noTarget.firstAt).toISOString());
    expect(query.get('to')).toBe(new Date(noTarget.lastAt + 1).toISOString());
    // a payload it cannot read still names the rule
    const damaged = byId.get(ids.damaged) as { dashboard_url: string };
    expect(new URL(damaged.dashboard_url).hash).toMatch(/rule=(app|message):\d+/);
    expect(new URL(damaged.dashboard_url).hash).not.toMatch(/from=/);
  });

  it.skipIf(driver.skipReason)(
    'filters by channel (rows with no target under each of their channels), app and status',
    async () => {
      const idsOf = async (query: string) => {
        const { status, body } = await get(`/alerts?${query}`);
        expect(status, JSON.stringify(body)).toBe(200);
        return body.data.items.map((a: { id: number }) => a.id).sort((a: number, b: number) => a - b);
      };
      expect(await idsOf('channel=email')).toEqual([ids.noTarget, ids.cooldown]);
      expect(await idsOf('channel=telegram_group')).toEqual([ids.noTarget]);
      expect(await idsOf('channel=telegram_chat')).toEqual([ids.sent, ids.damaged]);
      expect(await idsOf('channel=webhook&status=pending')).toEqual([ids.pending]);
      expect(await idsOf('channel=email&app_name=search&status=suppressed')).toEqual([ids.noTarget, ids.cooldown]);
      expect(await idsOf('channel=email&app_name=checkout')).toEqual([]);

      const bad = await get('/alerts?channel=sms');
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.error)).toContain('channel');
    },
  );

  it.skipIf(driver.skipReason)('previews what a suppressed row would have said, on each of its channels', async () => {
    const { status, body } = await get(`/alerts/${ids.noTarget}/preview`);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ id: ids.noTarget, status: 'suppressed' });
    const [email, telegram] = body.data.previews;
    expect(body.data.previews).toHaveLength(2);
    expect(email.channel).toBe('email');
    expect(email.subject).toBe('[lagwatch] Slow search / q: 3 violations, worst 2.35 s');
    expect(email.text).toContain('Message key: q');
    expect(email.text).toContain(`[trace-worst] ${HOSTILE}`);
    expect(telegram.channel).toBe('telegram_group');
    expect(telegram.subject).toBeNull();
    // The chat's view: no markup, entities decoded, the log text as it was.
    expect(telegram.text).toContain('lagwatch: slow message');
    expect(telegram.text).toContain('App: search');
    expect(telegram.text).toContain(HOSTILE);
    expect(telegram.text.replace(HOSTILE, '')).not.toMatch(/<\/?(b|code|a)\b|&amp;|&lt;/);
  });

  it.skipIf(driver.skipReason)('previews a webhook row as its JSON body, and a damaged row as nothing', async () => {
    const webhook = await get(`/alerts/${ids.pending}/preview`);
    expect(webhook.status).toBe(200);
    const [preview] = webhook.body.data.previews;
    expect(preview.channel).toBe('webhook');
    expect(JSON.parse(preview.text)).toMatchObject({ version: 1, app: 'checkout', count: 3, rule: { type: 'app' } });

    const damaged = await get(`/alerts/${ids.damaged}/preview`);
    expect(damaged.status).toBe(200);
    expect(damaged.body.data.previews).toEqual([]);
  });

  it.skipIf(driver.skipReason)('answers 404 for an unknown row and 400 for a bad id', async () => {
    const missing = await get('/alerts/999999/preview');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const bad = await get('/alerts/abc/preview');
    expect(bad.status).toBe(400);
  });
});
