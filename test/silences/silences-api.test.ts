import { afterEach, describe, expect, it } from 'vitest';
import { type TestApi, testApi, validAppRule } from '../http/support.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'silences API');

describe.each(drivers.map((d) => [d.driver, d] as const))('silences API over %s', (_name, driver) => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const call = (method: 'GET' | 'POST' | 'DELETE' | 'PUT', url: string, payload?: object) =>
    api!.app
      .inject({ method, url, ...(payload ? { payload } : {}) })
      .then((r) => ({ status: r.statusCode, body: r.json() }));

  it.skipIf(driver.skipReason)(
    'creates, lists, reads and expires silences; bad input is 422 naming the fields',
    async () => {
      api = await testApi(driver);
      const created = await call('POST', '/silences', {
        app_name: 'checkout-api',
        duration_minutes: 90,
        comment: 'deploy',
        created_by: 'ann',
      });
      expect(created.status).toBe(201);
      const silence = created.body.data;
      expect(silence).toMatchObject({
        app_name: 'checkout-api',
        message_key: null,
        comment: 'deploy',
        created_by: 'ann',
        active: true,
      });
      expect(Date.parse(silence.ends_at) - Date.parse(silence.starts_at)).toBe(90 * 60_000);

      const keyed = await call('POST', '/silences', {
        app_name: 'checkout-api',
        message_key: 'POST /pay',
        ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
      expect([keyed.status, keyed.body.data.created_by, keyed.body.data.message_key]).toEqual([
        201,
        'api',
        'POST /pay',
      ]);

      const both = await call('POST', '/silences', {
        app_name: 'x',
        duration_minutes: 5,
        ends_at: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(both.status).toBe(422);
      expect(both.body.error.details).toEqual([
        { field: 'ends_at', message: 'give ends_at or duration_minutes, not both' },
      ]);
      const neither = await call('POST', '/silences', { app_name: 'x' });
      expect([neither.status, neither.body.error.details[0].field]).toEqual([422, 'duration_minutes']);
      const past = await call('POST', '/silences', { app_name: 'x', ends_at: '2020-01-01T00:00:00Z' });
      expect([past.status, past.body.error.details[0].message]).toEqual([422, 'the silence must end in the future']);
      const wrong = await call('POST', '/silences', { app_name: ' x', duration_minutes: 0, extra: 1 });
      expect(wrong.status).toBe(422);
      expect(wrong.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'app_name',
        'duration_minutes',
        'extra',
      ]);

      expect((await call('GET', '/silences?active=true')).body.data.total).toBe(2);
      expect((await call('GET', `/silences/${silence.id}`)).body.data.id).toBe(silence.id);
      expect((await call('GET', '/silences/99999')).status).toBe(404);

      const expired = await call('DELETE', `/silences/${silence.id}`);
      expect([expired.status, expired.body.data.active]).toEqual([200, false]);
      expect(Date.parse(expired.body.data.ends_at)).toBeLessThanOrEqual(Date.now());
      const again = await call('DELETE', `/silences/${silence.id}`);
      expect(again.body.data.ends_at).toBe(expired.body.data.ends_at);
      expect((await call('GET', '/silences?active=true')).body.data.items.map((s: { id: number }) => s.id)).toEqual([
        keyed.body.data.id,
      ]);
      expect((await call('GET', '/silences?active=false')).body.data.total).toBe(1);
      expect((await call('DELETE', '/silences/99999')).status).toBe(404);
      expect((await call('GET', '/alerts?status=silenced')).status).toBe(200);
      expect((await call('GET', '/alerts?kind=resolved')).status).toBe(200);
    },
  );

  it.skipIf(driver.skipReason)(
    'rules carry min_count, window_minutes, notify_resolved and resolve_after_minutes',
    async () => {
      api = await testApi(driver);
      const plain = await call('POST', '/rules/app', validAppRule());
      expect(plain.body.data).toMatchObject({
        min_count: 1,
        window_minutes: 0,
        notify_resolved: false,
        resolve_after_minutes: 10,
      });
      const noWindow = await call('PUT', `/rules/app/${plain.body.data.id}`, { min_count: 5 });
      expect(noWindow.status).toBe(422);
      expect(noWindow.body.error.details[0].field).toBe('window_minutes');
      const windowed = await call('PUT', `/rules/app/${plain.body.data.id}`, {
        min_count: 5,
        window_minutes: 10,
        notify_resolved: true,
        resolve_after_minutes: 15,
      });
      expect(windowed.body.data).toMatchObject({
        min_count: 5,
        window_minutes: 10,
        notify_resolved: true,
        resolve_after_minutes: 15,
      });
      const message = await call('POST', '/rules/message', {
        ...validAppRule(),
        message_key: 'POST /pay',
        min_count: 0,
        resolve_after_minutes: 0,
      });
      expect(message.status).toBe(422);
      expect(message.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'min_count',
        'resolve_after_minutes',
      ]);
    },
  );
});
