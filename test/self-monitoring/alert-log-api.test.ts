import { describe, expect, it } from 'vitest';
import { secretsOf } from '../../src/config/redact.js';
import { createLogger } from '../../src/logging/logger.js';
import { CronLog } from '../../src/scan/cron-log.js';
import { SelfMonitor } from '../../src/self-monitoring/self-monitor.js';
import { sqliteDriver, testApi } from '../http/support.js';

describe('self-alerts in the alert log API', () => {
  it('GET /alerts lists them (and filters by rule_type self); their preview renders on every channel', async () => {
    const api = await testApi(sqliteDriver(), {
      env: { TELEGRAM_CHAT_ID: '7501', PUBLIC_URL: 'http://lagwatch.test' },
    });
    try {
      const now = Date.now();
      const cron = new CronLog(api.ctx.state.db, () => now - 10 * 60_000);
      await cron.finish(await cron.start('log:alert-scan'), {
        status: 'failed',
        logs_scanned: 0,
        violations: 0,
        alerts: 0,
        error: 'log source unavailable: connect ECONNREFUSED',
      });
      const monitor = new SelfMonitor({
        db: api.ctx.state.db,
        config: api.ctx.config,
        targets: api.ctx.targets,
        silences: api.ctx.silences,
        secrets: secretsOf(api.ctx.config),
        logger: createLogger({ logLevel: 'silent' }),
      });
      expect((await monitor.evaluate()).alerted).toEqual(['scans_failing']);

      const list = await api.app.inject({ url: '/alerts?rule_type=self' });
      expect(list.statusCode).toBe(200);
      const [item] = list.json().data.items;
      expect(item).toMatchObject({
        rule_type: 'self',
        app_name: 'lagwatch',
        message_key: 'scans_failing',
        channel: 'telegram_chat',
        kind: 'alert',
        status: 'pending',
        dashboard_url: 'http://lagwatch.test/',
        title: 'lagwatch self-monitoring: scans failing',
      });
      // The sentence the dashboard shows for it, with the scan's error (no rule to name).
      expect(item.sentence).toMatch(/^lagwatch cannot watch: every scan has failed since .*connect ECONNREFUSED$/);
      expect((await api.app.inject({ url: '/alerts' })).json().data.total).toBe(1);

      const preview = await api.app.inject({ url: `/alerts/${item.id}/preview` });
      expect(preview.statusCode).toBe(200);
      const texts = preview.json().data.previews.map((p: { text: string }) => p.text);
      expect(texts.length).toBeGreaterThan(0);
      for (const text of texts) expect(text).toContain('every scan has failed');
    } finally {
      await api.close();
    }
  });
});
