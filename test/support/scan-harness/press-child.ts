/**
 * The crash harness's child for Telegram button presses: polls the bot's updates through the
 * real TelegramUpdatesPoller until none is left, printing a marker at each point worth dying at:
 *   `received`   an update arrived from getUpdates
 *   `silenced`   the press's silence is written (or expired, for Unmute)
 *   `answered`   the press was answered (answerCallbackQuery)
 *   `committed`  the keyboard is edited and the offset moved past the update
 *   `done`       getUpdates has nothing more
 * HARNESS_STOP_AFTER and HARNESS_CLOCK_OFFSET_MS work as in crash-child.ts.
 */
import { createAppContext } from '../../../src/app/create-context.js';
import { createScanServices } from '../../../src/app/scan-services.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TelegramUpdatesPoller } from '../../../src/telegram-updates/poller.js';
import { mark, now } from './child-markers.js';

const config = loadConfig(process.env, undefined);
const ctx = createAppContext(config, createLogger({ logLevel: 'silent' }));
const services = await createScanServices(ctx, { now });
const poller = new TelegramUpdatesPoller(ctx, services.lease, config.telegram.botToken as string, {
  now,
  onStep: mark,
});
for (let round = 0; ; round++) {
  const handled = await poller.pollOnce(0);
  if (handled === undefined) {
    process.stderr.write('the updates lease is held by another poller\n');
    process.exit(2);
  }
  if (handled === 0) break;
  if (round > 50) process.exit(3);
}
mark('done');
await poller.stop();
await services.close();
await ctx.close();
