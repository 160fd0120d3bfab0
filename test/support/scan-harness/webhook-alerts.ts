import { logDocument } from '../log-documents.js';
import type { ReceivedHook } from './webhook-receiver.js';
import type { ScanWorld } from './world.js';

/**
 * Queues `count` alerts to one webhook destination through real scans (one violation each, one
 * scan each, so each is its own alert row); returns the rows' ids, oldest first.
 */
export async function queueWebhookAlerts(world: ScanWorld, url: string, count: number): Promise<number[]> {
  const { ctx, services } = world;
  await ctx.appRules.create({ app_name: 'api', max_duration: 100, alert_channels: ['webhook'] }, 'test');
  await ctx.targets.create({ name: 'hook', type: 'webhook', external_id: url, is_active: true }, 'test');
  for (let scan = 0; scan < count; scan++) {
    await world.ingest([logDocument({ time: Date.now() - 1000 - scan, app: 'api', duration: 500 + scan })]);
    const report = await services.scanner.run();
    if (report.status !== 'success') throw new Error(`scan ${report.status}: ${report.error}`);
  }
  const rows = await ctx.state.db.selectFrom('alert_log').select('id').orderBy('id').execute();
  if (rows.length !== count) throw new Error(`expected ${count} alert rows, found ${rows.length}`);
  return rows.map((row) => Number(row.id));
}

/** How many requests the receiver got per alert id (from the X-Lagwatch-Delivery header). */
export function receiptsPerAlert(received: readonly ReceivedHook[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const hook of received) {
    const id = Number(String(hook.headers['x-lagwatch-delivery']).replace('alert-', ''));
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Resolves once `condition` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
