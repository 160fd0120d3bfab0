import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi, validAppRule, validMessageRule, validTarget } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'http crud');

describe.each(drivers)('HTTP CRUD over $driver', (driver) => {
  let api: TestApi;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    api.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    if (!driver.skipReason) api = await testApi(driver);
  });
  afterAll(async () => {
    await api?.close();
  });

  describe.skipIf(driver.skipReason)('app rules', () => {
    it('creates, reads, lists, updates partially and deletes', async () => {
      const created = await send('POST', '/rules/app', validAppRule({ cooldown_minutes: 5 }));
      expect(created.statusCode).toBe(201);
      const rule = created.json().data;
      expect(rule).toMatchObject({
        app_name: 'checkout',
        max_duration: 500,
        is_active: true,
        alert_channels: ['telegram_chat'],
        cooldown_minutes: 5,
      });
      expect(rule.id).toBeGreaterThan(0);
      expect(new Date(rule.created_at).toISOString()).toBe(rule.created_at);

      const read = await send('GET', `/rules/app/${rule.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual({ status: 'success', data: rule });

      const updated = await send('PUT', `/rules/app/${rule.id}`, { max_duration: 750.5, is_active: false });
      expect(updated.statusCode).toBe(200);
      expect(updated.json().data).toMatchObject({
        id: rule.id,
        app_name: 'checkout',
        max_duration: 750.5,
        is_active: false,
        alert_channels: ['telegram_chat'],
        cooldown_minutes: 5,
      });

      const listed = await send('GET', '/rules/app');
      expect(listed.json()).toMatchObject({
        status: 'success',
        data: { total: 1, page: 1, per_page: 50, items: [{ id: rule.id, max_duration: 750.5 }] },
      });

      const deleted = await send('DELETE', `/rules/app/${rule.id}`);
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json()).toEqual({ status: 'success', data: { deleted: rule.id } });
      expect((await send('GET', `/rules/app/${rule.id}`)).statusCode).toBe(404);
      expect((await send('DELETE', `/rules/app/${rule.id}`)).statusCode).toBe(404);
    });

    it('answers a duplicate app_name with 409, on create and on update', async () => {
      const first = (await send('POST', '/rules/app', validAppRule({ app_name: 'dup-a' }))).json().data;
      const second = (await send('POST', '/rules/app', validAppRule({ app_name: 'dup-b' }))).json().data;
      const again = await send('POST', '/rules/app', validAppRule({ app_name: 'dup-a' }));
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('conflict');
      const renamed = await send('PUT', `/rules/app/${second.id}`, { app_name: 'dup-a' });
      expect(renamed.statusCode).toBe(409);
      expect((await send('GET', `/rules/app/${second.id}`)).json().data.app_name).toBe('dup-b');
      await send('DELETE', `/rules/app/${first.id}`);
      await send('DELETE', `/rules/app/${second.id}`);
    });

    it('pages and filters by app_name and is_active', async () => {
      for (let i = 0; i < 7; i += 1) {
        const response = await send(
          'POST',
          '/rules/app',
          validAppRule({ app_name: `paged-${i}`, is_active: i % 2 === 0 }),
        );
        expect(response.statusCode).toBe(201);
      }
      const page2 = (await send('GET', '/rules/app?page=2&per_page=3')).json().data;
      expect(page2.total).toBe(7);
      expect(page2.page).toBe(2);
      expect(page2.per_page).toBe(3);
      expect(page2.items.map((r: { app_name: string }) => r.app_name)).toEqual(['paged-3', 'paged-4', 'paged-5']);
      const beyond = (await send('GET', '/rules/app?page=9&per_page=3')).json().data;
      expect(beyond).toMatchObject({ items: [], total: 7 });
      const active = (await send('GET', '/rules/app?is_active=true')).json().data;
      expect(active.total).toBe(4);
      const inactive = (await send('GET', '/rules/app?is_active=false')).json().data;
      expect(inactive.total).toBe(3);
      const one = (await send('GET', '/rules/app?app_name=paged-5')).json().data;
      expect(one.items).toHaveLength(1);
      expect(one.items[0].app_name).toBe('paged-5');
    });
  });

  describe.skipIf(driver.skipReason)('message rules', () => {
    it('creates, reads, lists with filters, updates and deletes', async () => {
      const created = await send('POST', '/rules/message', validMessageRule());
      expect(created.statusCode).toBe(201);
      const rule = created.json().data;
      expect(rule).toMatchObject({
        app_name: 'checkout',
        message_key: 'payment.capture',
        max_duration: 800,
        alert_channels: ['email', 'webhook'],
        cooldown_minutes: 10,
        is_active: true,
      });
      await send('POST', '/rules/message', validMessageRule({ message_key: 'payment.refund' }));
      await send('POST', '/rules/message', validMessageRule({ app_name: 'search', message_key: 'payment.capture' }));

      expect((await send('GET', `/rules/message/${rule.id}`)).json().data).toEqual(rule);
      const byKey = (await send('GET', '/rules/message?message_key=payment.capture')).json().data;
      expect(byKey.total).toBe(2);
      const byBoth = (await send('GET', '/rules/message?message_key=payment.capture&app_name=search')).json().data;
      expect(byBoth.items.map((r: { app_name: string }) => r.app_name)).toEqual(['search']);

      const updated = await send('PUT', `/rules/message/${rule.id}`, { message_key: 'payment.authorize' });
      expect(updated.statusCode).toBe(200);
      expect(updated.json().data).toMatchObject({ id: rule.id, message_key: 'payment.authorize', max_duration: 800 });

      const duplicate = await send('POST', '/rules/message', validMessageRule({ message_key: 'payment.refund' }));
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.json()).toMatchObject({ status: 'error', error: { code: 'conflict' } });

      expect((await send('DELETE', `/rules/message/${rule.id}`)).json()).toEqual({
        status: 'success',
        data: { deleted: rule.id },
      });
      expect((await send('GET', `/rules/message/${rule.id}`)).statusCode).toBe(404);
    });
  });

  describe.skipIf(driver.skipReason)('targets', () => {
    it('creates every type, filters by type, updates and deletes', async () => {
      const inputs = [
        validTarget(),
        validTarget({ name: 'ops chat', type: 'telegram_chat', external_id: '123456789' }),
        validTarget({ name: 'ops group', type: 'telegram_group', external_id: '-1001234567890' }),
        validTarget({ name: 'pager hook', type: 'webhook', external_id: 'https://hooks.example.com/in?token=s3cret' }),
      ];
      const ids: number[] = [];
      for (const input of inputs) {
        const response = await send('POST', '/targets', input);
        expect(response.statusCode).toBe(201);
        expect(response.json().data).toMatchObject({ ...input, is_active: true });
        ids.push(response.json().data.id);
      }
      const webhooks = (await send('GET', '/targets?type=webhook')).json().data;
      expect(webhooks.items.map((t: { name: string }) => t.name)).toEqual(['pager hook']);

      const retyped = await send('PUT', `/targets/${ids[1]}`, { type: 'email' });
      expect(retyped.statusCode).toBe(422); // the chat id is not an email address
      expect(retyped.json().error.details).toEqual([{ field: 'external_id', message: expect.any(String) }]);
      const changed = await send('PUT', `/targets/${ids[1]}`, { type: 'email', external_id: 'chat@example.org' });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().data).toMatchObject({ type: 'email', external_id: 'chat@example.org', name: 'ops chat' });

      const deactivated = await send('PUT', `/targets/${ids[0]}`, { is_active: false });
      expect(deactivated.json().data.is_active).toBe(false);
      expect((await send('GET', '/targets?is_active=false')).json().data.total).toBe(1);

      const duplicate = await send('POST', '/targets', validTarget());
      expect(duplicate.statusCode).toBe(409);

      for (const id of ids) expect((await send('DELETE', `/targets/${id}`)).statusCode).toBe(200);
      expect((await send('GET', '/targets')).json().data).toEqual({ items: [], total: 0, page: 1, per_page: 50 });
    });
  });

  describe.skipIf(driver.skipReason)('alert log', () => {
    it('lists newest first, filters, pages and masks destination secrets', async () => {
      const base = Date.parse('2026-01-01T00:00:00Z');
      const row = (i: number, over: Record<string, unknown>) => ({
        rule_type: 'app' as const,
        rule_id: 1,
        app_name: 'checkout',
        message_key: null,
        channel: 'telegram_chat',
        destination: '123456',
        target_id: null,
        status: 'sent' as const,
        attempts: 1,
        next_attempt_at: base,
        last_error: null,
        violation_count: i + 1,
        payload: '{}',
        created_at: base + i * 1000,
        updated_at: base + i * 1000,
        sent_at: base + i * 1000 + 10,
        ...over,
      });
      await api.ctx.state.db
        .insertInto('alert_log')
        .values([
          row(0, {}),
          row(1, {
            channel: 'webhook',
            destination: 'https://user:pw@hooks.example.com/services/T0123456789ABCDEF/x?token=abc123&v=1',
            status: 'failed',
            sent_at: null,
            last_error: 'HTTP 500',
            attempts: 3,
          }),
          row(2, {
            app_name: 'search',
            message_key: 'q',
            rule_type: 'message',
            channel: 'email',
            destination: 'a@b.io',
          }),
        ])
        .execute();

      const all = (await send('GET', '/alerts')).json().data;
      expect(all.total).toBe(3);
      expect(all.items.map((a: { violation_count: number }) => a.violation_count)).toEqual([3, 2, 1]);
      const webhook = all.items[1];
      expect(webhook).toMatchObject({
        rule_type: 'app',
        channel: 'webhook',
        status: 'failed',
        attempts: 3,
        last_error: 'HTTP 500',
        sent_at: null,
        created_at: '2026-01-01T00:00:01.000Z',
      });
      // Webhook URLs are secrets: only their origin is shown.
      expect(webhook.destination).toBe('https://hooks.example.com/***');
      expect(JSON.stringify(all)).not.toContain('T0123456789ABCDEF');
      expect(JSON.stringify(all)).not.toContain('abc123');
      expect(all.items[0]).toMatchObject({ app_name: 'search', message_key: 'q', destination: 'a@b.io' });

      expect((await send('GET', '/alerts?status=failed')).json().data.total).toBe(1);
      expect((await send('GET', '/alerts?channel=email')).json().data.items[0].app_name).toBe('search');
      expect((await send('GET', '/alerts?app_name=checkout&per_page=1&page=2')).json().data).toMatchObject({
        total: 2,
        items: [{ violation_count: 1 }],
      });
    });
  });
});
