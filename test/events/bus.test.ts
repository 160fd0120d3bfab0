import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type LagwatchEvent } from '../../src/events/bus.js';
import type { EventBatch, EventChannel } from '../../src/events/channel.js';
import { RedisEventChannel } from '../../src/events/redis-channel.js';
import { createLogger } from '../../src/logging/logger.js';
import { type StatsHarness, statsHarness } from '../stats/support.js';
import { driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { closedPort } from '../support/ports.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
const ingest = (accepted: number): LagwatchEvent => ({ type: 'ingest', data: { accepted, rejected: 0 } });

/** A logger whose warnings the test reads. */
function capturingLogger() {
  const lines: { msg: string; lost_events?: number; transport?: string }[] = [];
  const logger = createLogger({ logLevel: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A bus whose channel is Redis on a port nothing listens on: every publish fails. */
async function unreachableRedisBus(logger = createLogger({ logLevel: 'silent' })) {
  const port = await closedPort();
  return new EventBus({
    channel: new RedisEventChannel({ host: '127.0.0.1', port, password: undefined, db: 0 }, logger),
    logger,
  });
}

/** A channel kept in memory, to see what the bus sends and hand it batches. */
class MemoryChannel implements EventChannel {
  readonly kind = 'database';
  readonly description = 'memory';
  sent: EventBatch[] = [];
  deliver: ((batch: EventBatch) => void) | undefined;
  async publish(batch: EventBatch) {
    this.sent.push(batch);
  }
  async receive(deliver: (batch: EventBatch) => void) {
    this.deliver = deliver;
  }
  async close() {}
}

describe('EventBus with a channel', () => {
  const toClose: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const c of toClose.splice(0)) await c.close();
  });

  it("delivers its own events at once and skips them coming back; other origins' events arrive once", async () => {
    const channel = new MemoryChannel();
    const bus = new EventBus({ channel });
    const got: LagwatchEvent[] = [];
    bus.subscribe((e) => got.push(e));
    await bus.start();
    bus.publish(ingest(1));
    bus.publish(ingest(2));
    expect(got).toEqual([ingest(1), ingest(2)]);
    await bus.close(); // sends what is queued
    expect(channel.sent).toEqual([{ origin: bus.origin, events: [ingest(1), ingest(2)] }]); // one batch

    const other = new EventBus({ channel: new MemoryChannel() });
    const receiving = new MemoryChannel();
    const second = new EventBus({ channel: receiving });
    const seen: LagwatchEvent[] = [];
    second.subscribe((e) => seen.push(e));
    await second.start();
    receiving.deliver?.({ origin: second.origin, events: [ingest(3)] }); // its own, echoed
    receiving.deliver?.({ origin: other.origin, events: [ingest(4)] });
    expect(seen).toEqual([ingest(4)]);
    expect(second.status()).toMatchObject({ transport: 'database', receiving: true, received: 1 });
    await second.close();
    expect(second.status().receiving).toBe(false);
  });

  it('a failing Redis loses only the events: publish neither throws nor waits, failures are counted and logged once', async () => {
    const { logger, lines } = capturingLogger();
    const bus = await unreachableRedisBus(logger);
    toClose.push(bus);
    const got: LagwatchEvent[] = [];
    bus.subscribe((e) => got.push(e));
    bus.publish(ingest(1));
    expect(got).toEqual([ingest(1)]); // this process's streams still see it
    await expect.poll(() => bus.status().failed, { timeout: 20_000 }).toBe(1);
    bus.publish(ingest(2));
    await expect.poll(() => bus.status().failed, { timeout: 20_000 }).toBe(2);
    expect(bus.status()).toMatchObject({ transport: 'redis', published: 0, last_error: expect.any(String) });
    const warnings = lines.filter((l) => l.msg.startsWith('live events could not be published'));
    expect(warnings).toEqual([expect.objectContaining({ lost_events: 1, transport: 'redis' })]);
  });
});

describe('a scan whose events cannot be published', () => {
  let world: ScanWorld | undefined;
  let h: StatsHarness | undefined;
  afterEach(async () => {
    await world?.close();
    await h?.close();
    world = h = undefined;
  });

  it.skipIf(sqlite.skipReason)('still records its violations and cron log row', { timeout: 60_000 }, async () => {
    world = await openScanWorld(sqlite);
    const { logger, lines } = capturingLogger();
    const bus = await unreachableRedisBus(logger);
    world.ctx.events = bus; // closed by ctx.close()
    await world.ctx.appRules.create({ app_name: 'api', max_duration: 100, alert_channels: [] }, 'test');
    await world.ingest([logDocument({ time: Date.now() - 60_000, app: 'api', duration: 400 })]);
    const report = await world.services.scanner.run();
    expect(report).toMatchObject({ status: 'success', violations: 1 });
    expect(await world.ctx.state.db.selectFrom('violations').select('duration_ms').execute()).toEqual([
      { duration_ms: 400 },
    ]);
    const cron = await world.ctx.state.db.selectFrom('cron_logs').select(['status', 'error']).execute();
    expect(cron).toEqual([{ status: 'success', error: null }]);
    await expect.poll(() => bus.status().failed, { timeout: 20_000 }).toBe(2); // the violation and the scan
    expect(lines.some((l) => l.msg.startsWith('live events could not be published'))).toBe(true);
  });

  it.skipIf(sqlite.skipReason)('shows in the server status as a problem', { timeout: 60_000 }, async () => {
    const bus = await unreachableRedisBus();
    h = await statsHarness(sqlite, { events: bus });
    const before = (await h.app.inject({ method: 'GET', url: '/monitor/server' })).json().data;
    expect(before.events).toMatchObject({ transport: 'redis', failed: 0, last_error: null });
    expect(before.problems.filter((p: string) => p.startsWith('live events'))).toEqual([]);

    bus.publish(ingest(5));
    await expect.poll(() => bus.status().failed, { timeout: 20_000 }).toBe(1);
    const after = (await h.app.inject({ method: 'GET', url: '/monitor/server' })).json().data;
    expect(after.events).toMatchObject({ transport: 'redis', failed: 1, last_error: expect.any(String) });
    expect(after.problems).toContainEqual(expect.stringMatching(/^live events \(redis\): 1 not published; last: /));
    await bus.close();
  });
});
