import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeServerStatus } from '../../src/stats/server-status.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { HOUR, T0 } from './dataset.js';
import { type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/server-status');
const NOW = T0 + 6 * HOUR;
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** A port that accepts connections and never answers: a Redis that hangs. */
async function silentPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(drivers)('GET /monitor/server over $driver', (driver) => {
  let h: StatsHarness;

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { routes: { now: () => NOW } });
    const db = h.ctx.state.db;
    const scan = (startedAt: number, status: 'success' | 'failed', error: string | null) => ({
      command: 'log:alert-scan',
      started_at: startedAt,
      finished_at: startedAt + 1_250,
      status,
      logs_scanned: 1234,
      violations: 5,
      alerts: 2,
      error,
      host: 'scanner-host',
      pid: 4242,
    });
    await db
      .insertInto('cron_logs')
      .values([scan(NOW - 120_000, 'success', null), scan(NOW - 60_000, 'failed', 'lease held by another scanner')])
      .execute();
    await db
      .insertInto('checkpoints')
      .values([
        { source_key: h.store.key, cursor: '{"seq":10}', watermark: NOW - 45_000, updated_at: NOW - 30_000 },
        { source_key: 'elasticsearch:other', cursor: '{}', watermark: NOW - 3_600_000, updated_at: NOW - 10_000 },
      ])
      .execute();
    const alert = (status: 'pending' | 'sent', createdAt: number) => ({
      rule_type: 'app' as const,
      rule_id: 1,
      app_name: 'checkout',
      message_key: null,
      channel: 'email',
      destination: 'ops@example.com',
      target_id: null,
      status,
      attempts: 0,
      next_attempt_at: createdAt,
      last_error: null,
      violation_count: 3,
      payload: '{}',
      created_at: createdAt,
      updated_at: createdAt,
      sent_at: null,
    });
    await db
      .insertInto('alert_log')
      .values([alert('pending', NOW - 90_000), alert('pending', NOW - 5_000), alert('sent', NOW - 500_000)])
      .execute();
  });
  afterAll(async () => h?.close());

  it.skipIf(driver.skipReason)(
    'shows the process, the dependencies, the last scan, the checkpoint lag and the outbox',
    async () => {
      const { status, body } = await h.get('/monitor/server');
      expect(status).toBe(200);
      const data = body.data;
      expect(data).toMatchObject({
        ok: true,
        problems: [],
        version,
        node_version: process.version,
        pid: process.pid,
        log_source: { kind: 'embedded', ok: true, error: null },
        database: { driver: driver.driver, ok: true, error: null },
        redis: null,
        last_scan: {
          command: 'log:alert-scan',
          status: 'failed',
          started_at: new Date(NOW - 60_000).toISOString(),
          duration_ms: 1_250,
          logs_scanned: 1234,
          violations: 5,
          alerts: 2,
          error: 'lease held by another scanner',
          host: 'scanner-host',
          pid: 4242,
        },
        checkpoint_lag_seconds: 45,
        outbox: { pending: 2, oldest_pending_age_seconds: 90 },
      });
      expect(data.log_source.description).toMatch(/SQLite/i);
      expect(data.database.server_version).toMatch(/^\d+\.\d+/);
      expect(data.checkpoints).toEqual([
        {
          source_key: 'elasticsearch:other',
          watermark: new Date(NOW - 3_600_000).toISOString(),
          lag_seconds: 3600,
          updated_at: new Date(NOW - 10_000).toISOString(),
        },
        {
          source_key: h.store.key,
          watermark: new Date(NOW - 45_000).toISOString(),
          lag_seconds: 45,
          updated_at: new Date(NOW - 30_000).toISOString(),
        },
      ]);
      expect(data.memory.rss_bytes).toBeGreaterThan(0);
      expect(data.load_average).toHaveLength(3);
      expect(data.cpus).toBeGreaterThan(0);
    },
  );

  it.skipIf(driver.skipReason || !process.env.TEST_REDIS_URL)('pings Redis when it is configured', async () => {
    const url = new URL(process.env.TEST_REDIS_URL as string);
    const status = await computeServerStatus({
      ...h.ctx,
      config: {
        ...h.ctx.config,
        redis: { host: url.hostname, port: Number(url.port || 6379), password: undefined, db: 0 },
      },
    });
    expect(status.ok).toBe(true);
    expect(status.redis).toMatchObject({ ok: true, host: url.hostname, error: null });
    expect(status.redis?.version).toMatch(/^\d+\.\d+/);
  });

  it.skipIf(driver.skipReason)('names every part that is down, within the probe timeout, without secrets', async () => {
    const hanging = await silentPort();
    try {
      const status = await computeServerStatus(
        {
          ...h.ctx,
          config: {
            ...h.ctx.config,
            redis: { host: '127.0.0.1', port: hanging.port, password: 'redis-secret-pw', db: 0 },
          },
          logSource: async () => {
            throw new Error('cannot open http://elastic:redis-secret-pw@es.internal:9200');
          },
        },
        { probeTimeoutMs: 300 },
      );
      expect(status.ok).toBe(false);
      expect(status.log_source).toMatchObject({ kind: 'embedded', ok: false });
      expect(status.redis).toMatchObject({ ok: false, port: hanging.port });
      expect(status.problems).toHaveLength(2);
      expect(status.problems[0]).toMatch(/^log source \(embedded\): cannot open/);
      expect(status.problems[1]).toMatch(/^redis: /);
      expect(JSON.stringify(status)).not.toContain('redis-secret-pw');
      // The state database still answers: its figures are there.
      expect(status.database.ok).toBe(true);
      expect(status.outbox.pending).toBe(2);
    } finally {
      await hanging.close();
    }
  });
});
