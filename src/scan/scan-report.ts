import type { Destination } from '../alerts/notification.js';
import type { SeriesOutcome } from './window-evaluation.js';

export interface DryRunAlert {
  rule_type: 'app' | 'message';
  rule_id: number;
  app_name: string;
  message_key: string | null;
  violations: number;
  in_cooldown: boolean;
  /** Why a real scan would not send it (below count, silenced, in cooldown), or null. */
  held_back: string | null;
  destinations: Destination[];
}

export interface ScanReport {
  status: 'success' | 'failed' | 'skipped';
  cronId: number | undefined;
  logsScanned: number;
  candidates: number;
  /** Violations newly recorded (or, in a dry run, that would be). */
  violations: number;
  /** Alert log rows queued as pending. */
  alertsQueued: number;
  watermark: number | undefined;
  /** Who holds the lease when the scan was skipped. */
  heldBy?: string;
  error?: string;
  /** Window rules evaluated at the end of the scan: each series, its state and the notification it queued (or would). */
  windowSeries?: SeriesOutcome[];
  /** Dry run only: the notifications a real scan would queue. */
  wouldAlert?: DryRunAlert[];
}

export function emptyReport(cronId: number | undefined): ScanReport {
  return {
    status: 'success',
    cronId,
    logsScanned: 0,
    candidates: 0,
    violations: 0,
    alertsQueued: 0,
    watermark: undefined,
  };
}
