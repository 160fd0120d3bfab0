import type { Observation } from './conditions.js';
import type { SelfCondition } from './self-alert-state.js';

/** One line per area of self-monitoring, as /ready and `diagnose` show it. */
export interface SelfCheck {
  /** `scans`, `scan_lease`, `alert_channels`. */
  name: 'scans' | 'scan_lease' | 'alert_channels';
  /** false: lagwatch cannot watch (scans failing, lease stale); /ready answers 503. */
  ok: boolean;
  /** A channel failing: lagwatch watches but cannot tell everyone; /ready stays 200. */
  degraded: boolean;
  text: string;
}

const AREAS: Array<{ name: SelfCheck['name']; condition: SelfCondition; fine: string; blocking: boolean }> = [
  { name: 'scans', condition: 'scans_failing', fine: 'not failing', blocking: true },
  { name: 'scan_lease', condition: 'scan_lease_stale', fine: 'not stale', blocking: true },
  { name: 'alert_channels', condition: 'channel_failing', fine: 'no channel failing', blocking: false },
];

/** The conditions that have held past the threshold (see activeConditions), area by area. */
export function selfChecks(active: readonly Observation[]): SelfCheck[] {
  return AREAS.map((area) => {
    const found = active.filter((c) => c.condition === area.condition);
    if (found.length === 0) return { name: area.name, ok: true, degraded: false, text: area.fine };
    const text = found.map(describe).join('; ');
    return { name: area.name, ok: !area.blocking, degraded: !area.blocking, text };
  });
}

/** "scans failing since 2026-12-06T10:04:00.000Z (12 runs): log source unavailable: …". */
export function describe(c: Observation): string {
  const since = new Date(c.since).toISOString();
  switch (c.condition) {
    case 'scans_failing':
      return `scans failing since ${since} (${c.count} run${c.count === 1 ? '' : 's'})${c.detail ? `: ${c.detail}` : ''}`;
    case 'channel_failing':
      return `${c.subject} failing since ${since}${c.detail ? `: ${c.detail}` : ''}`;
    case 'scan_lease_stale':
      return `${c.subject} stale since ${since}${c.detail ? `: ${c.detail}` : ''}`;
  }
}
