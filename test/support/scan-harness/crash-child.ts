/**
 * The crash harness's child process: one scan of the configured installation followed by
 * delivery of every pending alert, through the real createScanServices. It prints a marker line
 * on stdout at each point worth dying at, so the parent can SIGKILL it there:
 *   `batch`     a batch's transaction (violations + alert rows + checkpoint) committed
 *   `sending`   a Bot API request is about to leave
 *   `accepted`  Telegram answered 2xx, before the outbox records the row as sent
 *   `done`      nothing is left pending
 *
 * With HARNESS_STOP_AFTER=n the child freezes right after printing its n-th marker (stdout to a
 * pipe is synchronous on Linux, so the parent has the line) until the parent kills it: the
 * kill lands exactly at that point, e.g. between Telegram accepting and the outbox recording.
 *
 * HARNESS_CLOCK_OFFSET_MS moves this process's clock forward: the parent gives every restart a
 * later clock, so the lease and the outbox claims of a killed predecessor have expired, as
 * they would after their time to live, without the test waiting minutes.
 */
import { exponentialBackoff } from '../../../src/alerts/retry-policy.js';
import { createAppContext } from '../../../src/app/create-context.js';
import { createScanServices } from '../../../src/app/scan-services.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging/logger.js';
import { deliverAll, mark, now } from './child-markers.js';
import { FAST_PACING } from './world.js';

const markedFetch: typeof fetch = async (input, init) => {
  mark('sending');
  const response = await fetch(input, init);
  if (response.ok) mark('accepted');
  return response;
};

const config = loadConfig(process.env, undefined);
const ctx = createAppContext(config, createLogger({ logLevel: 'silent' }));
const services = await createScanServices(ctx, {
  notifiers: { ...FAST_PACING, fetch: markedFetch },
  retry: exponentialBackoff({ baseMs: 10, maxMs: 50 }),
  now,
});
const report = await services.scanner.run({ onProgress: () => mark('batch') });
if (report.status !== 'success') {
  process.stderr.write(`scan ${report.status}: ${report.error}\n`);
  process.exit(2);
}
await deliverAll(services.outbox, 200);
await services.close();
await ctx.close();
