import { describe, expect, it } from 'vitest';
import { insertAlertRows } from '../../src/alerts/alert-log.js';
import { diagnose } from '../../src/cli/diagnose-report.js';
import { CronLog } from '../../src/scan/cron-log.js';
import { sqliteDriver, testApi } from '../http/support.js';

const MIN = 60_000;

/**
 * /ready, /metrics and `diagnose` read the self-monitoring conditions from the state database
 * the same way: each shows scans failing, a channel failing and a stale scan lease, or none.
 */
describe('self-monitoring in /ready, /metrics and diagnose', () => {
  it('all three show the same conditions, past SELF_ALERT_AFTER_MINUTES only', async () => {
    const api = await testApi(sqliteDriver(), {
      env: { TELEGRAM_CHAT_ID: '7301', SELF_ALERT_AFTER_MINUTES: '5', ELASTICSEARCH_PASSWORD: 'hunter2-es-password' },
    });
    try {
      const db = api.ctx.state.db;
      const ready = async () => {
        const response = await api.app.inject({ url: '/ready' });
        return { status: response.statusCode, body: response.json() };
      };
      const metric = async (condition: string) => {
        const text = (await api.app.inject({ url: '/metrics' })).body;
        const line = text.split('\n').find((l) => l.startsWith(`lagwatch_self_alert_active{condition="${condition}"}`));
        return line === undefined ? undefined : Number(line.split(' ').at(-1));
      };
      const diagnosed = async () =>
        Object.fromEntries(
          (await diagnose(api.ctx.config))
            .filter((c) => ['self-alerts', 'scans', 'scan lease', 'alert channels'].includes(c.check))
            .map((c) => [c.check, [c.status, c.detail]]),
        );

      // Nothing wrong yet.
      const fine = await ready();
      expect(fine.status).toBe(200);
      expect(fine.body.data).toMatchObject({
        ready: true,
        checks: {
          scans: { ok: true, description: 'not failing' },
          scan_lease: { ok: true },
          alert_channels: { ok: true },
        },
      });
      expect(fine.body.data.degraded).toBeUndefined();
      expect(await metric('scans_failing')).toBe(0);
      expect(await diagnosed()).toEqual({
        'self-alerts': ['ok', 'after 5 min, to 1 destination'],
        scans: ['ok', 'not failing'],
        'scan lease': ['ok', 'not stale'],
        'alert channels': ['ok', 'no channel failing'],
      });

      // A failing scan 2 minutes ago is not yet a condition anyone reports.
      const now = Date.now();
      const failAt = async (at: number) => {
        const cron = new CronLog(db, () => at);
        const id = await cron.start('log:alert-scan');
        await cron.finish(id, {
          status: 'failed',
          logs_scanned: 0,
          violations: 0,
          alerts: 0,
          error: 'log source unavailable: 401 for user with password hunter2-es-password',
        });
      };
      await failAt(now - 2 * MIN);
      expect((await ready()).status).toBe(200);
      expect(await metric('scans_failing')).toBe(0);

      // Failing for 10 min, the chat's sends failing for 7, the scan lease stale for 6.
      await failAt(now - 10 * MIN);
      await insertAlertRows(db, [
        {
          rule_type: 'app',
          rule_id: 1,
          app_name: 'checkout',
          message_key: null,
          channel: 'telegram_chat',
          destination: '7301',
          target_id: null,
          status: 'failed',
          silence_id: null,
          attempts: 1,
          next_attempt_at: now - 7 * MIN,
          last_error: 'Bad Request: chat not found',
          violation_count: 1,
          payload: '{}',
          created_at: now - 7 * MIN,
          updated_at: now - 7 * MIN,
          sent_at: null,
          scan_id: null,
          progress: null,
          claimed_by: null,
        },
      ]);
      await db
        .insertInto('leases')
        .values({ name: 'scan:embedded:agree', holder: 'elsewhere.example:99:abc', expires_at: now - 6 * MIN })
        .execute();

      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.body.error.message).toBe('not ready: scans, scan_lease are down');
      const details = Object.fromEntries(
        (down.body.error.details as { field: string; message: string }[]).map((d) => [d.field, d.message]),
      );
      expect(details.scans).toMatch(
        /^scans failing since \S+Z \(2 runs\): log source unavailable: 401 for user with password \*+/,
      );
      expect(details.scan_lease).toMatch(/^the scan lease of embedded:agree stale since \S+Z: held by elsewhere/);
      expect(JSON.stringify(down.body)).not.toContain('hunter2');

      expect(await metric('scans_failing')).toBe(1);
      expect(await metric('channel_failing')).toBe(1);
      expect(await metric('scan_lease_stale')).toBe(1);

      const report = await diagnosed();
      expect(report.scans).toEqual(['fail', details.scans]);
      expect(report['scan lease']).toEqual(['fail', details.scan_lease]);
      expect(report['alert channels']).toEqual([
        'warn',
        expect.stringMatching(
          /^TELEGRAM_CHAT_ID \(telegram_chat 7301\) failing since \S+Z: Bad Request: chat not found$/,
        ),
      ]);

      // The channel alone: lagwatch is ready, degraded, and says why.
      await db.deleteFrom('leases').execute();
      const success = new CronLog(db);
      await success.finish(await success.start('log:alert-scan'), {
        status: 'success',
        logs_scanned: 0,
        violations: 0,
        alerts: 0,
        error: null,
      });
      const degraded = await ready();
      expect(degraded.status).toBe(200);
      expect(degraded.body.data.degraded).toEqual([`alert_channels: ${report['alert channels']![1]}`]);
      expect(degraded.body.data.checks.alert_channels).toMatchObject({ ok: true, degraded: true });
      expect(await metric('scans_failing')).toBe(0);
      expect(await metric('channel_failing')).toBe(1);
    } finally {
      await api.close();
    }
  });
});
