import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseCooldowns } from '../../src/alerts/cooldown.js';
import { startService } from '../../src/app/service.js';
import type { LogSource, ScanRequest } from '../../src/logs/source.js';
import { DatabaseLease, type Lease, RedisLease } from '../../src/scan/lease.js';
import { Scanner, scanLeaseName } from '../../src/scan/scanner.js';
import { lagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest, redisUnderTest } from '../support/databases.js';
import { logDocument, type TestLog } from '../support/log-documents.js';
import { recordedViolations } from '../support/scan-harness/logs.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { TelegramStandIn } from '../support/telegram-stand-in.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'two scanners');
const redis = redisUnderTest();
if (redis.skipReason) console.warn(`[two scanners] SKIPPED Redis lease suites: ${redis.skipReason}`);
const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
// The CLI's Redis cooldown keys have no per-test prefix: a database number of this suite's own.
const CLI_REDIS_DB = '7';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The source, but its scan waits at the gate: holds a scanner inside its lease. */
function gatedSource(source: LogSource) {
  const entered = deferred();
  const gate = deferred();
  const gated = new Proxy(source, {
    get(target, property) {
      if (property === 'scan') {
        return async function* scan(request: ScanRequest) {
          entered.resolve();
          await gate.promise;
          yield* target.scan(request);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { gated, entered: entered.promise, open: gate.resolve };
}

const slowLogs = (count: number): TestLog[] =>
  Array.from({ length: count }, (_, i) => ({
    time: Date.now() - 60_000 + i,
    app: 'api',
    duration: 600 + i,
    correlation: `c${i}`,
  }));

describe('two scanners at once', () => {
  let world: ScanWorld | undefined;
  let client: Redis | undefined;
  let cliRedis: Redis | undefined;
  let standIn: TelegramStandIn | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
    if (cliRedis) {
      // The CLI wrote its cooldowns under the default prefix, in this suite's database only.
      const keys = await cliRedis.keys('lagwatch:cooldown:*');
      if (keys.length > 0) await cliRedis.del(...keys);
      await cliRedis.quit();
    }
    cliRedis = undefined;
    await client?.quit();
    client = undefined;
    await standIn?.close();
    standIn = undefined;
  });

  const leases = [
    ...drivers.map((d) => [`the database lease over ${d.driver}`, d, false] as const),
    ['the Redis lease', sqlite, true] as const,
  ];

  describe.each(leases)('in one process, with %s', (_name, driver, useRedis) => {
    it.skipIf(driver.skipReason ?? (useRedis ? redis.skipReason : undefined))(
      'one scans, the other is skipped with a clear message or waits its turn; no duplicate alert',
      async () => {
        world = await openScanWorld(driver);
        const { ctx, services } = world;
        let lease: Lease = new DatabaseLease(ctx.state.db);
        if (useRedis) {
          client = new Redis(redis.url as string);
          lease = new RedisLease(client, `lagwatch-test:${randomBytes(6).toString('hex')}:lease:`);
        }
        await ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['webhook'] }, 'test');
        await ctx.targets.create(
          {
            name: 'hook',
            type: 'webhook',
            external_id: 'http://127.0.0.1:9/h',
            is_active: true,
          },
          'test',
        );
        await world.ingest(slowLogs(25).map(logDocument));

        const source = await services.source();
        const { gated, entered, open } = gatedSource(source);
        const cooldowns = new DatabaseCooldowns();
        const first = new Scanner({ ctx, source: async () => gated, lease, cooldowns });
        const second = new Scanner({ ctx, source: services.source, lease, cooldowns });
        const leaseName = scanLeaseName(source);

        const running = first.run();
        await entered;
        const skipped = await second.run();
        expect(skipped).toMatchObject({ status: 'skipped', logsScanned: 0, violations: 0, alertsQueued: 0 });
        expect(skipped.error).toMatch(/^another scan is running \(.+:\d+:\w+\)$/);
        expect(skipped.heldBy).toBe(await lease.holder(leaseName));

        const waiting = second.run({ waitForLeaseMs: 20_000 });
        setTimeout(open, 300);
        const [done, waited] = await Promise.all([running, waiting]);
        expect(done).toMatchObject({ status: 'success', violations: 25, alertsQueued: 1 });
        expect(waited).toMatchObject({ status: 'success', violations: 0, alertsQueued: 0 });
        expect(await lease.holder(leaseName)).toBeUndefined();

        expect(await recordedViolations(ctx.state.db)).toHaveLength(25);
        const alerts = await ctx.state.db.selectFrom('alert_log').select(['status', 'violation_count']).execute();
        expect(alerts.map((a) => [a.status, Number(a.violation_count)])).toEqual([['pending', 25]]);
        const cron = await ctx.state.db.selectFrom('cron_logs').select(['status', 'error']).orderBy('id').execute();
        expect(cron.map((c) => c.status)).toEqual(['success', 'skipped', 'success']);
        expect(cron[1]!.error).toMatch(/another scan is running/);
      },
    );
  });

  describe.each([
    ['the database lease', false],
    ['the Redis lease', true],
  ] as const)('two log:alert-scan processes, with %s', (_name, useRedis) => {
    const skip = useRedis ? redis.skipReason : undefined;

    async function cliWorld() {
      standIn = await TelegramStandIn.start();
      const redisEnv: Record<string, string> = {};
      if (useRedis) {
        const url = new URL(redis.url as string);
        Object.assign(redisEnv, { REDIS_HOST: url.hostname, REDIS_PORT: url.port || '6379', REDIS_DB: CLI_REDIS_DB });
        // Host and port only: a database number in TEST_REDIS_URL must not override the CLI's.
        cliRedis = new Redis({ host: url.hostname, port: Number(url.port || 6379), db: Number(CLI_REDIS_DB) });
      }
      const w = await openScanWorld(sqlite, {
        env: {
          TELEGRAM_BOT_TOKEN: standIn.token,
          TELEGRAM_API_BASE: standIn.apiBase,
          TELEGRAM_CHAT_ID: '5101',
          ...redisEnv,
        },
      });
      world = w;
      await w.ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['telegram_chat'] }, 'test');
      await w.ctx.targets.create({ name: 'ops', type: 'telegram_chat', external_id: '5102', is_active: true }, 'test');
      await w.ingest(slowLogs(40).map(logDocument));
      const lease = cliRedis ? new RedisLease(cliRedis) : new DatabaseLease(w.ctx.state.db);
      return { w, lease, leaseName: scanLeaseName(await w.services.source()) };
    }

    it.skipIf(skip)('the loser exits 0 with a clear message, or waits with --wait and then scans', async () => {
      const { w, lease, leaseName } = await cliWorld();
      expect(await lease.acquire(leaseName, 'cron-on-other-host:4242', 60_000)).toBe(true);
      const loser = await lagwatch(['log:alert-scan'], w.env, w.dir);
      expect(loser.code).toBe(0);
      expect(loser.stderr.trim()).toBe('lagwatch: another scan is running (cron-on-other-host:4242); nothing scanned');
      expect(await recordedViolations(w.ctx.state.db)).toHaveLength(0);

      const waiter = lagwatch(['log:alert-scan', '--wait', '30', '--json'], w.env, w.dir);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await recordedViolations(w.ctx.state.db)).toHaveLength(0);
      await lease.release(leaseName, 'cron-on-other-host:4242');
      const waited = await waiter;
      expect(waited.code, waited.stderr).toBe(0);
      expect(JSON.parse(waited.stdout)).toMatchObject({
        status: 'success',
        violations: 40,
        alerts_queued: 2,
        delivery: { sent: 2, failed: 0, retrying: 0 },
      });
      expect(standIn!.messagesTo('5101')).toHaveLength(1);
      expect(standIn!.messagesTo('5102')).toHaveLength(1);
    });

    it.skipIf(skip)('started together: the violations recorded once and one alert per target', async () => {
      const { w } = await cliWorld();
      const results = await Promise.all([
        lagwatch(['log:alert-scan', '--json'], w.env, w.dir),
        lagwatch(['log:alert-scan', '--json'], w.env, w.dir),
      ]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const reports = results.map((r) => JSON.parse(r.stdout) as { status: string; violations: number });
      // Either they overlapped (one skipped) or ran one after the other (the second found nothing new).
      expect(reports.map((r) => r.violations).sort((a, b) => a - b)).toEqual([0, 40]);
      for (const r of reports) expect(['success', 'skipped']).toContain(r.status);
      expect(await recordedViolations(w.ctx.state.db)).toHaveLength(40);
      expect(standIn!.messagesTo('5101')).toHaveLength(1);
      expect(standIn!.messagesTo('5102')).toHaveLength(1);
      const rows = await w.ctx.state.db.selectFrom('alert_log').select('status').execute();
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    });

    it.skipIf(skip)('`start` scanning every second beside a cron run: one alert per target', async () => {
      const { w } = await cliWorld();
      const service = await startService(w.ctx, { port: 0, host: '127.0.0.1', intervalSeconds: 1 });
      try {
        const cron = await lagwatch(['log:alert-scan', '--json'], w.env, w.dir);
        expect(cron.code, cron.stderr).toBe(0);
        expect(['success', 'skipped']).toContain((JSON.parse(cron.stdout) as { status: string }).status);
        await standIn!.waitForMessages(1, '5101');
        await standIn!.waitForMessages(1, '5102');
        await new Promise((resolve) => setTimeout(resolve, 2000)); // a few more scans of the service
      } finally {
        await service.close();
      }
      expect(await recordedViolations(w.ctx.state.db)).toHaveLength(40);
      expect(standIn!.messagesTo('5101')).toHaveLength(1);
      expect(standIn!.messagesTo('5102')).toHaveLength(1);
      const runs = await w.ctx.state.db.selectFrom('cron_logs').select(['status', 'violations']).execute();
      expect(runs.filter((r) => r.status === 'success').length).toBeGreaterThanOrEqual(2);
      expect(runs.reduce((sum, r) => sum + Number(r.violations), 0)).toBe(40);
    });
  });
});
