import { describe, expect, it } from 'vitest';
import { createNotifiers } from '../../../src/alerts/channels/registry.js';
import { Outbox } from '../../../src/alerts/outbox.js';
import { exponentialBackoff } from '../../../src/alerts/retry-policy.js';
import { announceSkips, driversUnderTest } from '../../support/databases.js';
import { logDocument } from '../../support/log-documents.js';
import { closedPort } from '../../support/ports.js';
import { telegramWorlds } from '../../support/scan-harness/telegram-worlds.js';
import { FAST_PACING, type ScanWorld } from '../../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'outbox starvation');

describe.each(drivers.map((d) => [d.driver, d] as const))('outbox with one destination down, over %s', (_n, driver) => {
  const worlds = telegramWorlds();
  let world: ScanWorld | undefined;

  it.skipIf(driver.skipReason)(
    'more waiting rows of the dead destination than a round reads do not hold up the other destinations',
    async () => {
      world = await worlds.open(driver, {
        env: {
          TELEGRAM_BOT_TOKEN: worlds.standIn.token,
          TELEGRAM_API_BASE: worlds.standIn.apiBase,
          TELEGRAM_CHAT_ID: '6100',
        },
      });
      const { ctx, services } = world;
      await ctx.appRules.create(
        { app_name: 'api', max_duration: 100, alert_channels: ['telegram_chat', 'webhook'] },
        'test',
      );
      await ctx.targets.create(
        {
          name: 'dead hook',
          type: 'webhook',
          external_id: `http://127.0.0.1:${await closedPort()}/hook`,
          is_active: true,
        },
        'test',
      );
      // The default round reads 200 rows; 4 shows the same with fewer scans.
      const outbox = new Outbox(ctx.state.db, {
        notifiers: createNotifiers(ctx.config, FAST_PACING),
        targets: ctx.targets,
        retry: exponentialBackoff({ baseMs: 600_000 }),
        secrets: [],
        logger: ctx.logger,
        batchSize: 4,
      });
      for (let scan = 1; scan <= 6; scan++) {
        await world.ingest([logDocument({ time: Date.now() - 1000, app: 'api', duration: 200 + scan })]);
        expect(await services.scanner.run()).toMatchObject({ violations: 1, alertsQueued: 2 });
        await outbox.deliverDue();
        // Every scan's Telegram alert goes out, whatever waits for the dead webhook.
        expect(worlds.standIn.messagesTo('6100')).toHaveLength(scan);
      }
      const rows = await ctx.state.db.selectFrom('alert_log').select(['channel', 'status', 'attempts']).execute();
      expect(rows.filter((r) => r.channel === 'webhook').map((r) => [r.status, r.attempts])).toEqual([
        ['pending', 1],
        ['pending', 0],
        ['pending', 0],
        ['pending', 0],
        ['pending', 0],
        ['pending', 0],
      ]);
    },
  );
});
