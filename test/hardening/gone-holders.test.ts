import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifiers } from '../../src/alerts/channels/registry.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { exponentialBackoff } from '../../src/alerts/retry-policy.js';
import { isGoneHolder } from '../../src/db/holder-id.js';
import { acquireOrReclaim, DatabaseLease, type Lease, RedisLease } from '../../src/scan/lease.js';
import { announceSkips, driversUnderTest, redisUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { startWebhookReceiver } from '../support/scan-harness/webhook-receiver.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

/** The pid of a process that has just exited (kill -9 leaves the same: a pid with no process). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}
const gone = () => `${hostname()}:${deadPid()}:dead01`;
// The test runner's parent is alive; a holder on another host is never judged here.
const alive = () => `${hostname()}:${process.ppid}:live01`;
const elsewhere = () => `other-host.example:${deadPid()}:far001`;

describe('holder ids', () => {
  it('are gone only for a process of this host that no longer exists', () => {
    expect(isGoneHolder(gone())).toBe(true);
    expect(isGoneHolder(alive())).toBe(false);
    expect(isGoneHolder(elsewhere())).toBe(false);
    expect(isGoneHolder(`${hostname()}:${process.pid}:self01`)).toBe(false);
    expect(isGoneHolder('no shape at all')).toBe(false);
  });
});

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/gone-holders');
const redis = redisUnderTest();

describe.each(drivers)('leases and claims of gone holders over $driver', (driver) => {
  let world: ScanWorld;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    if (driver.skipReason) return;
    hooks = await startWebhookReceiver();
    world = await openScanWorld(driver);
  });
  afterAll(async () => {
    await world?.close();
    await hooks?.close();
  });

  it.skipIf(driver.skipReason)(
    'a scan lease of a gone process is taken at once; a live or remote one is not',
    async () => {
      const lease = new DatabaseLease(world.ctx.state.db);
      await expectReclaiming(lease, `scan-${driver.driver}`);
    },
  );

  it.skipIf(driver.skipReason)(
    'a send cut by kill -9: the cut row and those queued behind it go out at once, each once',
    async () => {
      const { ctx, services } = world;
      await ctx.appRules.create({ app_name: 'api', max_duration: 100, alert_channels: ['webhook'] }, 'test');
      await ctx.targets.create(
        { name: 'hook', type: 'webhook', external_id: `${hooks.url}/in`, is_active: true },
        'test',
      );
      for (let scan = 0; scan < 3; scan++) {
        await world.ingest([logDocument({ time: Date.now() - 1000, app: 'api', duration: 500 + scan })]);
        await services.scanner.run();
      }
      const rows = await ctx.state.db.selectFrom('alert_log').select('id').orderBy('id').execute();
      expect(rows).toHaveLength(3);
      const claim = async (holder: string) =>
        ctx.state.db
          .updateTable('alert_log')
          .set({ attempts: 1, next_attempt_at: Date.now() + 120_000, claimed_by: holder })
          .where('id', '=', rows[0].id)
          .execute();
      const outbox = new Outbox(ctx.state.db, {
        notifiers: createNotifiers(ctx.config),
        retry: exponentialBackoff({ baseMs: 60_000 }),
        secrets: [],
        logger: ctx.logger,
        targets: ctx.targets,
      });

      // Claimed by a process that is still alive: it is being sent, the rows behind it wait.
      await claim(alive());
      expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 0, retrying: 0 });
      // Claimed by a process that is gone: released at once.
      await claim(gone());
      expect(await outbox.deliverDue()).toEqual({ sent: 3, failed: 0, retrying: 0 });
      expect(hooks.received).toHaveLength(3);
      const keys = hooks.received.map((h) => h.headers['x-lagwatch-delivery']);
      expect(new Set(keys).size).toBe(3);
      const after = await ctx.state.db.selectFrom('alert_log').select(['status', 'claimed_by']).execute();
      expect(after).toEqual(Array(3).fill({ status: 'sent', claimed_by: null }));
    },
  );
});

describe('a Redis scan lease of a gone holder', () => {
  let client: Redis | undefined;
  afterAll(() => client?.disconnect());
  it.skipIf(redis.skipReason)('is taken at once; a live or remote one is not', async () => {
    client = new Redis(redis.url as string);
    await expectReclaiming(new RedisLease(client, `lagwatch-test:${process.pid}:`), 'scan');
  });
});

async function expectReclaiming(lease: Lease, name: string): Promise<void> {
  const me = `${hostname()}:${process.pid}:me0001`;
  for (const other of [alive(), elsewhere()]) {
    expect(await lease.acquire(name, other, 60_000)).toBe(true);
    expect(await acquireOrReclaim(lease, name, me, 15_000)).toBe(false);
    await lease.release(name, other);
  }
  const dead = gone();
  expect(await lease.acquire(name, dead, 60_000)).toBe(true);
  expect(await acquireOrReclaim(lease, name, me, 15_000)).toBe(true);
  expect(await lease.holder(name)).toBe(me);
  // Taking over is compare-and-set: a second taker finds the lease no longer held by the dead one.
  expect(await lease.takeOver(name, dead, 'someone-else', 15_000)).toBe(false);
  await lease.release(name, me);
}
