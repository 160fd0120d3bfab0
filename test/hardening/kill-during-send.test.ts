import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { runScript } from '../support/scan-harness/child-process.js';
import { queueWebhookAlerts, receiptsPerAlert, waitUntil } from '../support/scan-harness/webhook-alerts.js';
import { startWebhookReceiver } from '../support/scan-harness/webhook-receiver.js';
import { openScanWorld } from '../support/scan-harness/world.js';

/*
 * A real delivery process (delivery-child.ts: the real createScanServices and Outbox) claims the
 * first of four alerts to one webhook and sends it to a receiver that never answers; it is killed
 * with SIGKILL while that request is in flight. Then the alerts must go on: the cut one is sent
 * again (it reached the receiver twice: at least once), every other one exactly once.
 */
const DELIVERY_CHILD = join(import.meta.dirname, '../support/scan-harness/delivery-child.ts');
const ALERTS = 4;

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/kill-during-send');

describe.each(drivers)('kill -9 during a webhook send over $driver', (driver) => {
  it.skipIf(driver.skipReason)(
    'on this host: a restarted process delivers the cut alert and those queued behind it within 10 s',
    { timeout: 90_000 },
    async () => {
      // Only the first request (the cut send) is never answered.
      const hooks = await startWebhookReceiver({ hold: () => hooks.received.length === 0 });
      const world = await openScanWorld(driver);
      try {
        const ids = await queueWebhookAlerts(world, `${hooks.url}/in`, ALERTS);
        const inFlight = waitUntil(() => hooks.received.length > 0, 60_000, 'the first webhook request');
        const cut = await runScript(DELIVERY_CHILD, world.env, { when: inFlight });
        const killedAt = Date.now();
        expect(cut.outcome).toBe('killed');
        expect(cut.markers).toEqual(['sending']);
        const claimed = await world.ctx.state.db
          .selectFrom('alert_log')
          .select(['status', 'claimed_by', 'next_attempt_at'])
          .where('id', '=', ids[0])
          .executeTakeFirstOrThrow();
        expect(claimed.status).toBe('pending');
        expect(claimed.claimed_by?.startsWith(`${hostname()}:`)).toBe(true);
        // The default claim is short (15 s) even before the dead holder is recognised.
        expect(Number(claimed.next_attempt_at)).toBeLessThanOrEqual(killedAt + 15_000);

        const restart = await runScript(DELIVERY_CHILD, world.env, 'never', 30_000);
        const caughtUpMs = Date.now() - killedAt;
        expect(restart).toMatchObject({ outcome: 'exited', code: 0 });
        expect(restart.markers.at(-1)).toBe('done');
        expect(caughtUpMs).toBeLessThan(10_000);
        expect([...receiptsPerAlert(hooks.received)]).toEqual(ids.map((id, i) => [id, i === 0 ? 2 : 1]));
        const rows = await world.ctx.state.db.selectFrom('alert_log').select(['status', 'claimed_by']).execute();
        expect(rows).toEqual(Array(ALERTS).fill({ status: 'sent', claimed_by: null }));
      } finally {
        await world.close();
        await hooks.close();
      }
    },
  );

  it.skipIf(driver.skipReason)(
    'on another host: its claim is kept while it lives (renewed) and taken over within the claim time after its death',
    { timeout: 90_000 },
    async () => {
      const hooks = await startWebhookReceiver({ hold: () => hooks.received.length === 0 });
      const world = await openScanWorld(driver);
      const CLAIM_MS = 2000;
      try {
        const ids = await queueWebhookAlerts(world, `${hooks.url}/in`, ALERTS);
        let killNow = () => {};
        const killed = new Promise<void>((resolve) => {
          killNow = resolve;
        });
        const running = runScript(
          DELIVERY_CHILD,
          {
            ...world.env,
            HARNESS_HOLDER_HOST: 'other-host.example',
            HARNESS_CLAIM_MS: String(CLAIM_MS),
            HARNESS_CLAIM_RENEW_MS: String(CLAIM_MS / 5),
          },
          { when: killed },
        );
        await waitUntil(() => hooks.received.length > 0, 60_000, 'the first webhook request');

        // Twice the claim time: the living holder renews, this process (another worker) takes nothing.
        const outbox = world.services.outbox;
        const until = Date.now() + 2 * CLAIM_MS;
        while (Date.now() < until) {
          expect(await outbox.deliverDue()).toEqual({ sent: 0, failed: 0, retrying: 0 });
          await sleep(50);
        }
        const claimed = await world.ctx.state.db
          .selectFrom('alert_log')
          .select(['claimed_by', 'next_attempt_at'])
          .where('id', '=', ids[0])
          .executeTakeFirstOrThrow();
        expect(claimed.claimed_by?.startsWith('other-host.example:')).toBe(true);

        killNow();
        expect((await running).outcome).toBe('killed');
        const killedAt = Date.now();
        let firstSentAt: number | undefined;
        while ((await outbox.pendingCount()) > 0) {
          if (Date.now() - killedAt > 20_000) throw new Error('alerts still pending 20 s after the kill');
          const report = await outbox.deliverDue();
          if (report.sent > 0) firstSentAt ??= Date.now();
          await sleep(20);
        }
        // Not before the dead holder's last claim expired (it was renewed every CLAIM_MS / 5)…
        expect((firstSentAt as number) - killedAt).toBeGreaterThanOrEqual(CLAIM_MS - CLAIM_MS / 5 - 200);
        // … and soon after.
        expect((firstSentAt as number) - killedAt).toBeLessThan(CLAIM_MS + 3000);
        expect([...receiptsPerAlert(hooks.received)]).toEqual(ids.map((id, i) => [id, i === 0 ? 2 : 1]));
      } finally {
        await world.close();
        await hooks.close();
      }
    },
  );
});
