import { type AlertNotification, SELF_RULE_TYPE } from '../notification.js';

/** Human-readable figures shared by the templates. */

/** What a notification names as its rule: "message rule #7", or "lagwatch self-monitoring". */
export function ruleLabel(n: Pick<AlertNotification, 'ruleType' | 'ruleId'>): string {
  if (n.ruleType === SELF_RULE_TYPE) return 'lagwatch self-monitoring';
  return `${n.ruleType.slice(0, 40)} rule #${n.ruleId}`;
}

/** 12 ms, 3.4 ms, 1.25 s, 12.5 s, 2 min 5 s, 1 h 3 min. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 10) return `${trimZeros(ms.toFixed(1))} ms`;
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 10_000) return `${trimZeros((ms / 1000).toFixed(2))} s`;
  if (abs < 60_000) return `${trimZeros((ms / 1000).toFixed(1))} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    const seconds = totalSeconds % 60;
    return seconds === 0 ? `${Math.floor(totalSeconds / 60)} min` : `${Math.floor(totalSeconds / 60)} min ${seconds} s`;
  }
  const totalMinutes = Math.round(ms / 60_000);
  const minutes = totalMinutes % 60;
  const hours = Math.floor(totalMinutes / 60);
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** "2026-11-27 10:04:59 UTC". */
export function formatTime(epochMs: number): string {
  return `${isoSeconds(epochMs).replace('T', ' ')} UTC`;
}

/** "10:04:59". */
export function formatClock(epochMs: number): string {
  return isoSeconds(epochMs).slice(11);
}

function isoSeconds(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? 'invalid time' : date.toISOString().slice(0, 19);
}

/** "2026-11-27 10:00:01 – 10:04:59 UTC (4 min 58 s)", or one time when the span is a point. */
export function formatSpan(firstAt: number, lastAt: number): string {
  if (lastAt <= firstAt) return formatTime(firstAt);
  const first = formatTime(firstAt);
  const last = formatTime(lastAt);
  const sameDay = first.slice(0, 10) === last.slice(0, 10);
  const from = first.replace(' UTC', '');
  const to = sameDay ? last.slice(11) : last;
  return `${from} – ${to} (${formatDuration(lastAt - firstAt)})`;
}

/** "1 violation", "12 violations". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Longer links are left out: a URL built from a huge correlation id would crowd out the alert. */
export const MAX_LINK_LENGTH = 1000;

/** True for an absolute http(s) URL of sane length: the only kind a template turns into a link. */
export function isHttpUrl(value: string | null | undefined): value is string {
  if (!value || value.length > MAX_LINK_LENGTH) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
