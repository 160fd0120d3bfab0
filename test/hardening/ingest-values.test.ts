import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { extractLog, MAX_LOG_TIME_MS } from '../../src/logs/fields.js';
import { listCheckpoints } from '../../src/scan/checkpoints.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { insertLegacyRows } from './legacy-rows.js';

const fields = loadConfig({}, undefined).fields;
const T = '2026-06-01T12:00:00.000Z';
const strict = (doc: object) => extractLog(doc, fields, { invalidDuration: 'reject' });
const lenient = (doc: object) => extractLog(doc, fields);

describe('valid times and durations (DESIGN: 1970..9999-12-31, 0..10^12 ms)', () => {
  it.each([
    ['9999999999999999'],
    [1e20],
    [MAX_LOG_TIME_MS + 1],
    [-1],
    ['1969-12-31T23:59:59Z'],
    ['+275760-09-13T00:00:00Z'],
    [Number.POSITIVE_INFINITY],
  ])('time %s is refused with a reason', (time) => {
    const result = strict({ '@timestamp': time, duration: 5 });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('between 1970-01-01 and 9999-12-31') });
  });

  it.each([[0], ['1970-01-01T00:00:00Z'], [MAX_LOG_TIME_MS], ['9999-12-31T23:59:59.999Z']])(
    'time %s is valid',
    (time) => {
      expect(strict({ '@timestamp': time }).ok).toBe(true);
    },
  );

  it.each([
    [1e308, 'is above 1000000000000 ms'],
    [1e12 + 1, 'is above 1000000000000 ms'],
    [-0.5, 'is negative'],
    ['-3', 'is negative'],
    ['1e400', 'is not a finite number'],
  ])('duration %s rejects the line at ingest (%s) and reads as none elsewhere', (duration, why) => {
    expect(strict({ '@timestamp': T, duration })).toEqual({ ok: false, reason: `duration ${why}` });
    const read = lenient({ '@timestamp': T, duration });
    expect(read.ok && read.log.durationMs).toBeNull();
  });

  it('the bounds themselves are valid; non-numeric text is a log without duration', () => {
    expect(strict({ '@timestamp': T, duration: 1e12 })).toMatchObject({ ok: true, log: { durationMs: 1e12 } });
    expect(strict({ '@timestamp': T, duration: 0 })).toMatchObject({ ok: true, log: { durationMs: 0 } });
    expect(strict({ '@timestamp': T, duration: 'fast' })).toMatchObject({ ok: true, log: { durationMs: null } });
    // The unit is applied first: 10^15 ns is 10^9 ms, valid under the ecs preset.
    const ecs = loadConfig({ LOG_FIELDS: 'ecs' }, undefined).fields;
    const nanos = extractLog({ '@timestamp': T, event: { duration: 1e15 } }, ecs, { invalidDuration: 'reject' });
    expect(nanos).toMatchObject({ ok: true, log: { durationMs: expect.closeTo(1e9, 3) } });
  });
});

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/ingest-values');

describe.each(drivers)('scans over stored bad rows, $driver', (driver) => {
  let world: ScanWorld;
  beforeAll(async () => {
    if (driver.skipReason) return;
    world = await openScanWorld(driver);
  });
  afterAll(async () => world?.close());

  it.skipIf(driver.skipReason)(
    'ingest refuses them; a scan over rows stored earlier succeeds and judges only valid logs',
    async () => {
      const store = await world.store();
      const now = Date.now();
      const result = store.ingestDocuments([
        { '@timestamp': now - 5_000, app_name: 'shop', duration: 900 },
        { '@timestamp': '9999999999999999', app_name: 'shop', duration: 900 },
        { '@timestamp': now - 4_000, app_name: 'shop', duration: 1e308 },
      ]);
      expect(result).toMatchObject({ accepted: 1, rejected: 2 });
      expect(result.errors.map((e) => e.line)).toEqual([2, 3]);
      await world.ctx.appRules.create({ app_name: 'shop', max_duration: 100, alert_channels: ['webhook'] }, 'test');
      const base = { app: 'shop', messageKey: null, correlationId: null, level: null, message: null };
      insertLegacyRows(store.path, [
        { ...base, time: 1e20, durationMs: 900 },
        { ...base, time: Number('9999999999999999'), durationMs: 900 },
        { ...base, time: now - 3_000, durationMs: 1e308 },
        { ...base, time: now - 2_000, durationMs: Number.POSITIVE_INFINITY },
        { ...base, time: now - 1_000, durationMs: 700 },
      ]);
      const first = await world.services.scanner.run();
      expect(first).toMatchObject({ status: 'success', violations: 2 });
      const second = await world.services.scanner.run();
      expect(second).toMatchObject({ status: 'success', violations: 0 });
      const [checkpoint] = await listCheckpoints(world.ctx.state.db);
      expect(checkpoint.watermark).toBeLessThanOrEqual(Date.now());
      expect(new Date(checkpoint.watermark).toISOString() > '2020').toBe(true);
    },
  );
});
