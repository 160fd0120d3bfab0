import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { ScanReport } from '../../src/scan/scan-report.js';
import { ScanScheduler } from '../../src/scan/scheduler.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Idle, the scheduler only probes: delivery is checked after a scan, when a row falls due and
 * every maxIdleMs, not at every probe.
 */
describe('scheduler while idle', () => {
  it('probes every probe interval but checks delivery only after scans, when due, and every maxIdleMs', async () => {
    const calls = { probes: 0, scans: 0, deliveries: [] as number[] };
    let dueAt: number | undefined;
    const started = Date.now();
    const scheduler = new ScanScheduler(
      {
        scanner: {
          pendingScanAt: async () => {
            calls.probes += 1;
            return undefined;
          },
          run: async () => {
            calls.scans += 1;
            return { status: 'success', logsScanned: 0, violations: 0, alertsQueued: 0 } as ScanReport;
          },
        },
        outbox: {
          deliverDue: async () => {
            calls.deliveries.push(Date.now() - started);
            if (dueAt !== undefined && dueAt <= Date.now()) dueAt = undefined; // sent
            return { sent: 0, failed: 0, retrying: 0 };
          },
          nextDueAt: async () => dueAt,
        },
      },
      { intervalSeconds: 3600, probeSeconds: 0.05, maxIdleMs: 600, logger: createLogger({ logLevel: 'silent' }) },
    );
    scheduler.start();
    await sleep(300);
    // A row falls due 400 ms from now: delivered then, before the next 600 ms check.
    dueAt = Date.now() + 400;
    const dueAfterStart = dueAt - started;
    await sleep(1_000);
    await scheduler.stop();

    expect(calls.scans).toBe(1);
    expect(calls.probes).toBeGreaterThanOrEqual(10);
    // After the first scan (at 0), when the row fell due (about 700 ms in), and every 600 ms idle.
    expect(calls.deliveries.length).toBeGreaterThanOrEqual(2);
    expect(calls.deliveries.length).toBeLessThanOrEqual(5);
    expect(calls.deliveries[0]).toBeLessThan(200);
    expect(calls.deliveries.some((t) => t >= dueAfterStart && t < dueAfterStart + 400)).toBe(true);
    expect(calls.probes).toBeGreaterThan(calls.deliveries.length * 2);
  });

  it('with nothing pending, the periodic delivery check reads only the earliest due time', async () => {
    const calls = { dueReads: 0, deliveries: 0 };
    const scheduler = new ScanScheduler(
      {
        scanner: { pendingScanAt: async () => undefined, run: async () => ({ status: 'success' }) as ScanReport },
        outbox: {
          deliverDue: async () => {
            calls.deliveries += 1;
            return { sent: 0, failed: 0, retrying: 0 };
          },
          nextDueAt: async () => {
            calls.dueReads += 1;
            return undefined;
          },
        },
      },
      { intervalSeconds: 3600, probeSeconds: 0.05, maxIdleMs: 100, logger: createLogger({ logLevel: 'silent' }) },
    );
    scheduler.start();
    await sleep(650);
    await scheduler.stop();
    // Only after the first scan; then every 100 ms one read of the due time.
    expect(calls.deliveries).toBe(1);
    expect(calls.dueReads).toBeGreaterThanOrEqual(4);
  });

  it('a probe that finds a log the scan window does not hold yet scans when it does, not before', async () => {
    const scans: number[] = [];
    let readableAt: number | undefined;
    const scheduler = new ScanScheduler(
      {
        scanner: {
          pendingScanAt: async () => readableAt,
          run: async () => {
            scans.push(Date.now());
            readableAt = undefined; // read
            return { status: 'success' } as ScanReport;
          },
        },
        outbox: { deliverDue: async () => ({ sent: 0, failed: 0, retrying: 0 }), nextDueAt: async () => undefined },
      },
      { intervalSeconds: 3600, probeSeconds: 0.05, logger: createLogger({ logLevel: 'silent' }) },
    );
    scheduler.start();
    await sleep(200);
    readableAt = Date.now() + 300;
    const expected = readableAt;
    await sleep(600);
    await scheduler.stop();
    expect(scans).toHaveLength(2);
    expect(scans[1]).toBeGreaterThanOrEqual(expected);
    expect(scans[1]).toBeLessThan(expected + 150);
  });
});
