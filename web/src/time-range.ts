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

/** A short text naming a choice exactly (to the millisecond): equal keys, equal ranges. */
export function rangeKey(choice: RangeChoice): string {
  return choice.kind === 'preset'
    ? `preset:${choice.minutes}`
    : `custom:${choice.from.getTime()}-${choice.to.getTime()}`;
}

export function sameRange(a: RangeChoice, b: RangeChoice): boolean {
  return rangeKey(a) === rangeKey(b);
}

/**
 * `<input type="datetime-local" step="1">` value of a date, to the second, in the zone times are
 * shown in (local or UTC). The milliseconds are not shown: `readCustomRange` keeps them.
 */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (timeZoneMode() === 'utc') return date.toISOString().slice(0, 19);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The date an `<input type="datetime-local">` value names (with or without seconds), read in the zone times are shown in. */
export function fromLocalInput(text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(text)) return new Date(Number.NaN);
  return new Date(timeZoneMode() === 'utc' ? `${text}Z` : text);
}

/** The custom fields of a choice: a custom range's bounds, or a preset's range as it stands at `now`. */
export function customFields(choice: RangeChoice, now = Date.now()): { from: string; to: string } {
  const { from, to } = resolveRange(choice, now);
  return { from: toLocalInput(from), to: toLocalInput(to) };
}

/**
 * The range the custom fields name. A field that still shows a bound of `shown` (the range in
 * use) keeps that bound to the millisecond, so Apply without a change changes nothing.
 */
export function readCustomRange(
  fields: { from: string; to: string },
  shown: TimeRange | undefined,
  maxDays: number | undefined,
): { range: RangeChoice } | { problem: string } {
  const keep = (text: string, bound: Date | undefined): Date => {
    const read = fromLocalInput(text);
    if (bound && read.getTime() === Math.floor(bound.getTime() / 1000) * 1000) return bound;
    return read;
  };
  const from = keep(fields.from, shown?.from);
  const to = keep(fields.to, shown?.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return { problem: 'Enter both times.' };
  if (to <= from) return { problem: 'The end must come after the start.' };
  const days = (to.getTime() - from.getTime()) / 86_400_000;
  if (maxDays !== undefined && days > maxDays) {
    return {
      problem: `That range spans ${Math.ceil(days)} days; this server shows at most ${maxDays} days (DASHBOARD_MAX_DAYS). Choose a shorter range.`,
    };
  }
  return { range: { kind: 'custom', from, to } };
}
