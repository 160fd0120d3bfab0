import type { Outbox } from '../alerts/outbox.js';
import type { Logger } from '../logging/logger.js';
import type { Scanner } from './scanner.js';

/** What the scheduler drives: scans and the delivery of queued alerts. */
export interface ScheduledWork {
  scanner: Pick<Scanner, 'run' | 'pendingScanAt'>;
  outbox: Pick<Outbox, 'deliverDue' | 'nextDueAt'>;
}

export interface SchedulerOptions {
  /** Seconds between scans; 0 turns scanning off (alert delivery keeps running). */
  intervalSeconds: number;
  logger: Logger;
  /** Housekeeping to run about once an hour (embedded retention). */
  hourly?: () => Promise<void>;
  /**
   * Self-monitoring (see src/self-monitoring): run every `selfCheckMs` (default 30 s), and at
   * once after a scan whose outcome differs from the one before (failing, succeeding again);
   * before the delivery round, which then sends what it queued.
   */
  selfCheck?: () => Promise<unknown>;
  selfCheckMs?: number;
  /** Longest sleep between delivery checks, ms. */
  maxIdleMs?: number;
  /**
   * Seconds between checks whether a scan would find something new (see Scanner.pendingScanAt);
   * a scan runs as soon as it would read it. 0 or unset: no checks.
   */
  probeSeconds?: number;
}

/**
 * The scheduler inside `lagwatch start`: scans every interval (never overlapping itself, since
 * each tick awaits the previous one), delivers due alerts after each scan and whenever a retry
 * falls due, and stops cleanly: `stop()` waits for a scan in progress, which ends after its
 * current batch (a catch-up scan can take minutes; container stop timeouts are often 10 s).
 */
export class ScanScheduler {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nextScanAt = Date.now();
  private lastScanAt = 0;

  constructor(
    private readonly services: ScheduledWork,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Ask for a scan soon (right after an ingest), at most one a second however often it is
   * called; harmless while a scan runs. Does nothing when scanning is off.
   */
  poke(): void {
    if (this.options.intervalSeconds === 0) return;
    this.nextScanAt = Math.min(this.nextScanAt, this.lastScanAt + 1_000);
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { intervalSeconds, logger } = this.options;
    const intervalMs = intervalSeconds * 1000;
    const maxIdleMs = this.options.maxIdleMs ?? 5_000;
    let nextHourlyAt = Date.now() + 60_000;
    const probeMs = intervalMs > 0 ? (this.options.probeSeconds ?? 0) * 1000 : 0;
    let nextProbeAt = Date.now() + probeMs;
    const selfCheckMs = this.options.selfCheckMs ?? 30_000;
    let nextSelfCheckAt = Date.now();
    let lastOutcome: string | undefined;
    // Delivery is checked after a scan or a self-check, when a row falls due, and at least every
    // maxIdleMs (rows other processes queue): not at every probe, and when nothing is pending at
    // all that periodic check is one query, so that idle costs next to nothing.
    let nextDeliveryCheckAt = 0;
    let due: number | undefined;
    while (!this.abort.signal.aborted) {
      let outcomeChanged = false;
      let scanned = false;
      if (probeMs > 0 && Date.now() >= nextProbeAt && Date.now() < this.nextScanAt) {
        nextProbeAt = Date.now() + probeMs;
        const at = await this.services.scanner.pendingScanAt().catch(() => undefined);
        if (at !== undefined) this.nextScanAt = Math.min(this.nextScanAt, Math.max(at, Date.now()));
      }
      if (intervalMs > 0 && Date.now() >= this.nextScanAt) {
        this.lastScanAt = Date.now();
        this.nextScanAt = this.lastScanAt + intervalMs;
        scanned = true;
        const report = await this.services.scanner.run({ signal: this.abort.signal }).catch((error: unknown) => {
          logger.error({ err: error }, 'scan crashed');
          return undefined;
        });
        const outcome = report?.status ?? 'crashed';
        if (outcome !== 'skipped') {
          outcomeChanged = outcome !== lastOutcome;
          lastOutcome = outcome;
        }
        if (report && report.status !== 'skipped') {
          // Every second in a busy demo: only scans that found something are worth an info line.
          const level = report.violations > 0 || report.status === 'failed' ? 'info' : 'debug';
          logger[level](
            {
              status: report.status,
              logs: report.logsScanned,
              violations: report.violations,
              alerts: report.alertsQueued,
            },
            'scan finished',
          );
        }
      }
      if (this.abort.signal.aborted) break;
      if (this.options.selfCheck && (outcomeChanged || Date.now() >= nextSelfCheckAt)) {
        nextSelfCheckAt = Date.now() + selfCheckMs;
        scanned = true;
        await this.options
          .selfCheck()
          .catch((error: unknown) => logger.error({ err: error }, 'self-monitoring failed'));
      }
      if (scanned || Date.now() >= nextDeliveryCheckAt || (due !== undefined && Date.now() >= due)) {
        if (!scanned && due === undefined) due = await this.services.outbox.nextDueAt().catch(() => Date.now());
        if (due !== undefined || scanned) {
          await this.services.outbox.deliverDue(this.abort.signal).catch((error: unknown) => {
            logger.error({ err: error }, 'alert delivery crashed');
          });
          due = await this.services.outbox.nextDueAt().catch(() => undefined);
        }
        nextDeliveryCheckAt = Date.now() + maxIdleMs;
      }
      if (this.options.hourly && Date.now() >= nextHourlyAt) {
        nextHourlyAt = Date.now() + 3_600_000;
        await this.options.hourly().catch((error: unknown) => logger.error({ err: error }, 'housekeeping failed'));
      }
      const wakeAt = Math.min(
        intervalMs > 0 ? this.nextScanAt : Number.POSITIVE_INFINITY,
        probeMs > 0 ? nextProbeAt : Number.POSITIVE_INFINITY,
        this.options.selfCheck ? nextSelfCheckAt : Number.POSITIVE_INFINITY,
        due ?? Number.POSITIVE_INFINITY,
        nextDeliveryCheckAt,
      );
      await this.sleep(Math.min(Math.max(wakeAt - Date.now(), 50), maxIdleMs));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
