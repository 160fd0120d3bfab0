const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function formatCount(value: number): string {
  return value >= 100_000 ? compact.format(value) : integer.format(value);
}

/** Durations: "840 ms", "1.24 s", "2 min 5 s". */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (value === 0) return '0 ms';
  if (value < 10) return `${value.toFixed(1)} ms`;
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(value / 60_000);
  return `${minutes} min ${Math.round((value % 60_000) / 1000)} s`;
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (value === 0) return '0%';
  return value < 0.1 ? '<0.1%' : `${value.toFixed(value < 10 ? 2 : 1)}%`;
}

// ---- Times and their zone ----
//
// Every time the dashboard shows says its zone ("14:05 UTC+1", "14:05 CET", "14:05 UTC"). A
// toggle switches every time to UTC, since alerts carry UTC; the choice is kept in localStorage.

export type TimeZoneMode = 'local' | 'utc';

const TIME_ZONE_KEY = 'lagwatch.timezone';
const zoneListeners = new Set<() => void>();
let zoneMode: TimeZoneMode | undefined;

/** The browser's localStorage, typed here: this module is also imported outside a browser (unit tests). */
function storage(): { getItem(key: string): string | null; setItem(key: string, value: string): void } | undefined {
  return (globalThis as { localStorage?: ReturnType<typeof storage> }).localStorage;
}

export function timeZoneMode(): TimeZoneMode {
  if (zoneMode === undefined) {
    try {
      zoneMode = storage()?.getItem(TIME_ZONE_KEY) === 'utc' ? 'utc' : 'local';
    } catch {
      zoneMode = 'local'; // no storage (private mode, tests outside a browser)
    }
  }
  return zoneMode;
}

export function setTimeZoneMode(mode: TimeZoneMode): void {
  zoneMode = mode;
  try {
    storage()?.setItem(TIME_ZONE_KEY, mode);
  } catch {
    // not remembered, still applied
  }
  for (const listener of zoneListeners) listener();
}

/** Calls `listener` whenever the time zone mode changes; answers the unsubscribe. */
export function onTimeZoneModeChange(listener: () => void): () => void {
  zoneListeners.add(listener);
  return () => zoneListeners.delete(listener);
}

/** The `timeZone` option of Intl for the current mode (undefined: the browser's zone). */
function intlZone(): string | undefined {
  return timeZoneMode() === 'utc' ? 'UTC' : undefined;
}

/** "UTC+1", "UTC-5", "UTC+5:30", "UTC". */
function offsetLabel(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  const rest = abs % 60;
  return `UTC${minutes > 0 ? '+' : '-'}${Math.floor(abs / 60)}${rest ? `:${String(rest).padStart(2, '0')}` : ''}`;
}

/**
 * The zone a time is shown in, at that date (summer time counts): "UTC" in UTC mode, else the
 * browser zone's common abbreviation where there is one ("CET", "PST"), or its offset ("UTC+1").
 */
export function zoneLabel(value: Date | number = Date.now()): string {
  if (timeZoneMode() === 'utc') return 'UTC';
  const date = new Date(value);
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((part) => part.type === 'timeZoneName')?.value;
  return name && /^[A-Z]{2,5}$/.test(name) && name !== 'GMT' && name !== 'UTC' ? name : offsetLabel(date);
}

function toDate(value: number | string | Date | null | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function dayOf(date: Date): string {
  return date.toLocaleDateString('en-CA', { timeZone: intlZone() });
}

/** A time of day with its zone: "14:05:07 UTC+1" (`seconds: false`: "14:05 UTC+1"). */
export function formatClock(value: number | string | Date, options: { seconds?: boolean } = {}): string {
  const date = new Date(value);
  const clock = date.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: options.seconds === false ? undefined : '2-digit',
    timeZone: intlZone(),
  });
  return `${clock} ${zoneLabel(date)}`;
}

/** Today: the time of day; other days: the date and time. Always with the zone. */
export function formatTime(value: number | string | null | undefined): string {
  const date = toDate(value);
  if (!date) return '—';
  if (dayOf(date) === dayOf(new Date())) return formatClock(date);
  const text = date.toLocaleString([], {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: intlZone(),
  });
  return `${text} ${zoneLabel(date)}`;
}

/** The full date and time with its zone, for titles and legends: "Dec 2, 2026, 14:05:07 UTC+1". */
export function formatDateTime(value: number | string | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return '—';
  const text = date.toLocaleString([], {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone: intlZone(),
  });
  return `${text} ${zoneLabel(date)}`;
}

/** A span of time: "Dec 2, 2026, 13:00 – 14:30 UTC" (one date when both ends share it). */
export function formatSpan(from: Date, to: Date): string {
  const zone = intlZone();
  // Seconds only when a bound has them (a notification's window is exact to the millisecond).
  const precise = [from, to].some((d) => d.getTime() % 60_000 !== 0);
  const day = (d: Date) => d.toLocaleDateString([], { dateStyle: 'medium', timeZone: zone });
  const clock = (d: Date) => d.toLocaleTimeString([], { timeStyle: precise ? 'medium' : 'short', timeZone: zone });
  const fromZone = zoneLabel(from);
  const toZone = zoneLabel(to);
  if (day(from) === day(to)) {
    return fromZone === toZone
      ? `${day(from)}, ${clock(from)} – ${clock(to)} ${toZone}`
      : `${day(from)}, ${clock(from)} ${fromZone} – ${clock(to)} ${toZone}`;
  }
  return `${day(from)}, ${clock(from)}${fromZone === toZone ? '' : ` ${fromZone}`} – ${day(to)}, ${clock(to)} ${toZone}`;
}

// ---- Chart axes ----

const axisCompact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const axisSmall = [0, 1, 2].map((digits) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }));

/**
 * The one number format of every chart axis: 0, 0.25, 2.5, 250, 1K, 1.5K, 50K, 100K, 1.2M, so
 * ticks never mix "50,000" and "100K".
 */
export function formatAxisNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return axisCompact.format(value);
  return axisSmall[abs === 0 || abs >= 10 ? 0 : abs >= 1 ? 1 : 2]!.format(value);
}

/** A bucket width in words: "10-second", "1-minute", "5-minute", "1-hour", "1-day". */
export function bucketWidth(ms: number): { adjective: string; short: string } {
  const units: [number, string, string][] = [
    [86_400_000, 'day', 'd'],
    [3_600_000, 'hour', 'h'],
    [60_000, 'minute', 'min'],
    [1_000, 'second', 's'],
  ];
  for (const [size, word, short] of units) {
    if (ms >= size && ms % size === 0) return { adjective: `${ms / size}-${word}`, short: `${ms / size} ${short}` };
  }
  return { adjective: `${ms}-millisecond`, short: `${ms} ms` };
}

/** A span of whole seconds in words: "40 s", "59 min", "1 h 30 min" (under 10 h), "23 h", "3 d". */
function spanWords(span: number): string {
  if (span < 60) return `${span} s`;
  if (span < 3600) return `${Math.floor(span / 60)} min`;
  if (span < 86_400) {
    const hours = Math.floor(span / 3600);
    const minutes = Math.floor((span % 3600) / 60);
    return hours < 10 && minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  return `${Math.floor(span / 86_400)} d`;
}

/**
 * "5 min ago", or for a time to come (a silence's end, a token's expiry, a retry) "in 59 min":
 * a future time never reads "just now" (under a second ahead it is "now").
 */
export function formatRelative(value: number | string | Date | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined) return '—';
  const ms = new Date(value).getTime() - now;
  if (Number.isNaN(ms)) return '—';
  // Whole seconds towards the present: 59 min 59.6 s ahead is "in 59 min", not "in 1 h".
  const seconds = Math.floor(Math.abs(ms) / 1000);
  if (ms > 0) return seconds < 1 ? 'now' : `in ${spanWords(seconds)}`;
  return seconds < 5 ? 'just now' : `${spanWords(seconds)} ago`;
}

/** When something due is to happen (a pending notification's next attempt): "in 2 min", or "now" once due. */
export function formatDue(value: number | string | Date | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined) return '—';
  const ms = new Date(value).getTime() - now;
  if (Number.isNaN(ms)) return '—';
  return ms < 1000 ? 'now' : `in ${spanWords(Math.floor(ms / 1000))}`;
}

export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
