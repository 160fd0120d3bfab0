import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { claimRow } from '../../src/alerts/alert-log.js';
import type { FetchLike } from '../../src/alerts/channels/fetch-errors.js';
import { createNotifiers } from '../../src/alerts/channels/registry.js';
import { type DeliveryReport, Outbox, type OutboxOptions } from '../../src/alerts/outbox.js';
import { exponentialBackoff } from '../../src/alerts/retry-policy.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { queueWebhookAlerts, receiptsPerAlert } from '../support/scan-harness/webhook-alerts.js';
import { startWebhookReceiver } from '../support/scan-harness/webhook-receiver.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

// Holders on another host: this host can never judge them gone, only their claim's expiry frees them.
const FAR = 'other-host.example:4242:far001';

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/claim-renewal');

/** A fetch whose first call waits `delayMs` (honouring the signal) before the request leaves. */
function slowFirstFetch(delayMs: number): FetchLike {
  let calls = 0;
  return async (input, init) => {
    if (calls++ === 0) await sleep(delayMs, undefined, { signal: init?.signal ?? undefined });
    return fetch(input, init);
  };
}

describe.each(drivers)('outbox claims held elsewhere over $driver', (driver) => {
  async function withWorld(
    test: (world: ScanWorld, hooks: Awaited<ReturnType<typeof startWebhookReceiver>>) => Promise<void>,
  ) {
    const hooks = await startWebhookReceiver();
    const world = await openScanWorld(driver);
    try {
      await test(world, hooks);
    } finally {
      await world.close();
      await hooks.close();
    }
  }
  const outboxOf = (world: ScanWorld, options: Partial<OutboxOptions> & { fetch?: FetchLike } = {}) =>
    new Outbox(world.ctx.state.db, {
      notifiers: createNotifiers(world.ctx.config, { fetch: options.fetch }),
      retry: exponentialBackoff({ baseMs: 60_000 }),
      secrets: [],
      logger: world.ctx.logger,
      targets: world.ctx.targets,
      ...options,
    });
  const rowOf = (world: ScanWorld, id: number) =>
    world.ctx.state.db
      .selectFrom('alert_log')
      .select(['status', 'attempts', 'claimed_by', 'next_attempt_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it.skipIf(driver.skipReason)(
    'a claim of a holder on another host that stopped renewing is taken over once it expires, not before',
    { timeout: 30_000 },
    () =>
      withWorld(async (world, hooks) => {
        const ids = await queueWebhookAlerts(world, `${hooks.url}/in`, 3);
        const [first] = await world.ctx.state.db.selectFrom('alert_log').selectAll().where('id', '=', ids[0]).execute();
        const claimedAt = Date.now();
        // What a holder that claimed the row and then died leaves behind.
        expect(await claimRow(world.ctx.state.db, first, claimedAt, claimedAt + 600, FAR)).toBe(true);
        const outbox = outboxOf(world);

        expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 0, retrying: 0 });
        expect(hooks.received).toHaveLength(0);
        expect(await rowOf(world, ids[0])).toMatchObject({ status: 'pending', claimed_by: FAR, attempts: 1 });

        await sleep(claimedAt + 650 - Date.now());
        expect(await outbox.deliverDue()).toEqual({ sent: 3, failed: 0, retrying: 0 });
        expect([...receiptsPerAlert(hooks.received)]).toEqual(ids.map((id) => [id, 1]));
        expect(await rowOf(world, ids[0])).toMatchObject({ status: 'sent', claimed_by: null, attempts: 2 });
      }),
  );

  it.skipIf(driver.skipReason)(
    'a holder that renews keeps its claim through a send longer than the claim: nothing is sent twice',
    { timeout: 30_000 },
    () =>
      withWorld(async (world, hooks) => {
        const ids = await queueWebhookAlerts(world, `${hooks.url}/in`, 3);
        const far = outboxOf(world, { holder: FAR, claimMs: 300, claimRenewMs: 100, fetch: slowFirstFetch(1500) });
        const here = outboxOf(world);
        const sending = far.deliverDue();
        while ((await rowOf(world, ids[0])).claimed_by !== FAR) await sleep(5);
        const reports: DeliveryReport[] = [];
        const expiries = new Set<number>();
        const until = Date.now() + 1200;
        while (Date.now() < until) {
          const row = await rowOf(world, ids[0]);
          expect(row).toMatchObject({ status: 'pending', claimed_by: FAR });
          expiries.add(Number(row.next_attempt_at));
          reports.push(await here.deliverDue());
          await sleep(20);
        }
        // The claim moved on (renewed) more than once, and never let the other worker in.
        expect(expiries.size).toBeGreaterThan(2);
        expect(reports.every((r) => r.sent + r.failed + r.retrying === 0)).toBe(true);
        expect(await sending).toEqual({ sent: 3, failed: 0, retrying: 0 });
        expect([...receiptsPerAlert(hooks.received)]).toEqual(ids.map((id) => [id, 1]));
        expect(await rowOf(world, ids[0])).toMatchObject({ status: 'sent', claimed_by: null, attempts: 1 });
      }),
  );

  it.skipIf(driver.skipReason)(
    'a holder stalled past its claim finds it taken at its next renewal: it aborts its send and records nothing',
    { timeout: 30_000 },
    () =>
      withWorld(async (world, hooks) => {
        const ids = await queueWebhookAlerts(world, `${hooks.url}/in`, 2);
        // Renews only after its claim expired: as if its event loop or database stalled.
        const stalled = outboxOf(world, { holder: FAR, claimMs: 200, claimRenewMs: 400, fetch: slowFirstFetch(3000) });
        const here = outboxOf(world);
        const sending = stalled.deliverDue();
        let taken: DeliveryReport = { sent: 0, failed: 0, retrying: 0 };
        while (taken.sent === 0) {
          await sleep(20);
          taken = await here.deliverDue();
        }
        expect(taken).toEqual({ sent: 2, failed: 0, retrying: 0 });
        expect(await sending).toEqual({ sent: 0, failed: 0, retrying: 1 });
        // The stalled send never left: each alert reached the receiver once.
        expect([...receiptsPerAlert(hooks.received)]).toEqual(ids.map((id) => [id, 1]));
        expect(await rowOf(world, ids[0])).toMatchObject({ status: 'sent', claimed_by: null, attempts: 2 });
      }),
  );

  it.skipIf(driver.skipReason)('the default claim is short: 15 s from the claim', { timeout: 30_000 }, () =>
    withWorld(async (world, hooks) => {
      const ids = await queueWebhookAlerts(world, `${hooks.url}/in`, 1);
      let seen: Awaited<ReturnType<typeof rowOf>> | undefined;
      const claimedAfter = Date.now();
      const outbox = outboxOf(world, {
        fetch: async (input, init) => {
          seen = await rowOf(world, ids[0]);
          return fetch(input, init);
        },
      });
      expect(await outbox.deliverDue()).toEqual({ sent: 1, failed: 0, retrying: 0 });
      const expiry = Number(seen?.next_attempt_at);
      expect(expiry).toBeGreaterThanOrEqual(claimedAfter + 15_000);
      expect(expiry).toBeLessThanOrEqual(Date.now() + 15_000);
    }),
  );
});
