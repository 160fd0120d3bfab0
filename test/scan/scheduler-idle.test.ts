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
          hasPending: async () => {
            calls.probes += 1;
            return false;
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
});
