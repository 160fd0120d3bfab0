import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.js';

const registers = [metricsRegistry];

const scans = new Counter({
  name: 'lagwatch_scans_total',
  help: 'Scan runs of this process by outcome: success, failed, skipped (another scanner held the lease)',
  labelNames: ['status'] as const,
  registers,
});
const scanDuration = new Histogram({
  name: 'lagwatch_scan_duration_seconds',
  help: 'Wall time of scan runs of this process, skipped ones included',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers,
});
const logsScanned = new Counter({
  name: 'lagwatch_logs_scanned_total',
  help: 'Logs covered by the scans of this process',
  registers,
});
const violations = new Counter({
  name: 'lagwatch_violations_total',
  help: 'Violations newly recorded by the scans of this process',
  registers,
});
const alertsQueued = new Counter({
  name: 'lagwatch_alerts_queued_total',
  help: 'Notifications queued for delivery by the scans of this process',
  registers,
});
const incidentsOpened = new Counter({
  name: 'lagwatch_incidents_opened_total',
  help: 'Incidents of window rules opened by the scans of this process, by rule kind',
  labelNames: ['kind'] as const,
  registers,
});
const incidentsResolved = new Counter({
  name: 'lagwatch_incidents_resolved_total',
  help: 'Incidents of window rules resolved by the scans of this process, by rule kind',
  labelNames: ['kind'] as const,
  registers,
});

/** Counts one incident opened (firing) or resolved by a committed evaluation. */
export function recordIncident(kind: string, state: 'firing' | 'resolved'): void {
  (state === 'firing' ? incidentsOpened : incidentsResolved).inc({ kind });
}

/** The figures of one scan run that the counters add up (the scanner's report has them). */
export interface ScanFigures {
  status: 'success' | 'failed' | 'skipped';
  logsScanned: number;
  violations: number;
  alertsQueued: number;
}

/** Counts one finished scan run (dry runs are not counted). */
export function recordScan(report: ScanFigures, seconds: number): void {
  scans.inc({ status: report.status });
  scanDuration.observe(Math.max(0, seconds));
  logsScanned.inc(report.logsScanned);
  violations.inc(report.violations);
  alertsQueued.inc(report.alertsQueued);
}
