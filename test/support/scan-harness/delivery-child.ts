/**
 * The crash harness's child for alert delivery alone: delivers the pending alerts through the
 * real createScanServices until none is left, then prints `done`. A webhook request about to
 * leave prints `sending` (the parent can kill the child while a request is in flight).
 *   HARNESS_HOLDER_HOST   claim as a holder of that host (`<host>:<pid>:<random>`), so that
 *                         this host cannot judge it gone: only its claim's expiry frees it
 *   HARNESS_CLAIM_MS / HARNESS_CLAIM_RENEW_MS   the outbox's claim timings (default: the real ones)
 * HARNESS_STOP_AFTER and HARNESS_CLOCK_OFFSET_MS work as in crash-child.ts.
 */
import { randomBytes } from 'node:crypto';
import { exponentialBackoff } from '../../../src/alerts/retry-policy.js';
import { createAppContext } from '../../../src/app/create-context.js';
import { createScanServices } from '../../../src/app/scan-services.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging/logger.js';
import { deliverAll, mark, now } from './child-markers.js';

const markedFetch: typeof fetch = async (input, init) => {
  mark('sending');
  return fetch(input, init);
};
const numberOf = (name: string): number | undefined =>
  process.env[name] === undefined ? undefined : Number(process.env[name]);
const host = process.env.HARNESS_HOLDER_HOST;

const config = loadConfig(process.env, undefined);
const ctx = createAppContext(config, createLogger({ logLevel: 'silent' }));
const services = await createScanServices(ctx, {
  notifiers: { fetch: markedFetch, webhook: { timeoutMs: 60_000 } },
  retry: exponentialBackoff({ baseMs: 10, maxMs: 50 }),
  now,
  outbox: {
    ...(host ? { holder: `${host}:${process.pid}:${randomBytes(3).toString('hex')}` } : {}),
    claimMs: numberOf('HARNESS_CLAIM_MS'),
    claimRenewMs: numberOf('HARNESS_CLAIM_RENEW_MS'),
  },
});
await deliverAll(services.outbox, 500);
await services.close();
await ctx.close();
