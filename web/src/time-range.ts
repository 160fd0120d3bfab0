import type { TimeRange } from './api/types.js';
import { formatSpan, timeZoneMode } from './format.js';

export type RangeChoice = { kind: 'preset'; minutes: number } | { kind: 'custom'; from: Date; to: Date };

export const PRESETS: { label: string; minutes: number }[] = [
  { label: 'Last 15 minutes', minutes: 15 },
  { label: 'Last hour', minutes: 60 },
  { label: 'Last 6 hours', minutes: 360 },
  { label: 'Last 24 hours', minutes: 1440 },
  { label: 'Last 7 days', minutes: 10080 },
];

export const DEFAULT_RANGE: RangeChoice = { kind: 'preset', minutes: 60 };

/** The concrete range of a choice at this moment: presets end now. */
export function resolveRange(choice: RangeChoice, now = Date.now()): TimeRange {
  if (choice.kind === 'custom') return { from: choice.from, to: choice.to };
  return { from: new Date(now - choice.minutes * 60_000), to: new Date(now) };
}

/** How many days a choice spans. */
export function rangeSpanDays(choice: RangeChoice): number {
  const ms = choice.kind === 'preset' ? choice.minutes * 60_000 : choice.to.getTime() - choice.from.getTime();
  return ms / 86_400_000;
}

export function describeRange(choice: RangeChoice): string {
  if (choice.kind === 'preset') return PRESETS.find((p) => p.minutes === choice.minutes)?.label ?? 'Custom';
  return formatSpan(choice.from, choice.to);
}

/** `<input type="datetime-local">` value of a date, in the zone times are shown in (local or UTC). */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (timeZoneMode() === 'utc') return date.toISOString().slice(0, 16);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The date an `<input type="datetime-local">` value names, read in the zone times are shown in. */
export function fromLocalInput(text: string): Date {
  return new Date(timeZoneMode() === 'utc' && text ? `${text}Z` : text);
}
