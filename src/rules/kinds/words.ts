import type { ValueUnit } from './kind.js';

/** Figures as the window kinds' sentences say them: "1,240 ms", "12.5 %", "3 logs", "14.4×". */
export function formatValue(value: number | null, unit: ValueUnit): string {
  if (value === null || !Number.isFinite(value)) return 'no value';
  const digits = unit === 'ms' && Math.abs(value) >= 10 ? 0 : 1;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits });
  if (unit === 'logs') return `${text} ${value === 1 ? 'log' : 'logs'}`;
  if (unit === '×') return `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })}×`;
  return unit === '%' ? `${text} %` : `${text} ms`;
}

/** "1,204". */
export const formatCount = (count: number): string => count.toLocaleString('en-US');

/** "5 min", "2 h", "1 h 30 min", "7 d". */
export function formatMinutes(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} min`;
  if (m % 1440 === 0) return `${m / 1440} d`;
  const hours = Math.floor(m / 60);
  return m % 60 === 0 ? `${hours} h` : `${hours} h ${m % 60} min`;
}

/** "10:04 UTC", with the date in front when not today's (relative to `now`). */
export function formatClock(epochMs: number, now: number = epochMs): string {
  const iso = new Date(epochMs).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`;
}

/** "checkout-api POST /orders", or the app alone. */
export const subjectOf = (app: string, messageKey: string | null): string =>
  messageKey === null ? app : `${app} ${messageKey}`;
