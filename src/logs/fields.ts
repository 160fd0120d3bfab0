import type { DurationUnit, LogFieldNames } from '../config/config.js';
import type { LogFields } from './log-record.js';

export type ExtractResult = { ok: true; log: LogFields } | { ok: false; reason: string };

const TO_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, us: 0.001, ns: 0.000001 };

/** The latest valid log time (DESIGN: 1970-01-01 to 9999-12-31), epoch ms. */
export const MAX_LOG_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** The largest valid duration after unit conversion (DESIGN: 0 to 10^12 ms). */
export const MAX_DURATION_MS = 1e12;

/** True for an epoch-ms time that a log may carry (and that a Date can print). */
export function isValidLogTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_LOG_TIME_MS;
}

/** True for a duration in ms that a log may carry. */
export function isValidDuration(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_DURATION_MS;
}

export interface ExtractOptions {
  /**
   * What a present but invalid duration (negative, not finite, above 10^12 ms) does:
   * 'reject' the document (ingest), or 'ignore' it, giving a log without duration (reading a
   * source where anything can be stored). Default 'ignore'.
   */
  invalidDuration?: 'reject' | 'ignore';
}

/**
 * Reads a dotted path. Each step first tries the literal remaining key (`{"service.name": …}`,
 * as Elasticsearch accepts), then descends into nested objects.
 */
export function readPath(doc: unknown, path: string): unknown {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const record = doc as Record<string, unknown>;
  if (Object.hasOwn(record, path)) return record[path];
  const dot = path.indexOf('.');
  if (dot < 0) return undefined;
  // Try every split point so that keys containing dots (`a.b` under `x`) are found too.
  for (let i = dot; i >= 0; i = path.indexOf('.', i + 1)) {
    const head = path.slice(0, i);
    if (Object.hasOwn(record, head)) {
      const found = readPath(record[head], path.slice(i + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Epoch ms from ISO 8601 (any offset; no offset means UTC) or epoch ms as a number or digits. */
export function parseTimestamp(value: unknown): number | undefined {
  const ms = parseAnyTimestamp(value);
  return ms !== undefined && isValidLogTime(ms) ? ms : undefined;
}

function parseAnyTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.trunc(value) : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d{1,16}$/.test(value)) return Number(value);
  if (value.length === 24 && value.slice(8, 10) <= '28' && CANONICAL_ISO.test(value)) {
    // Fast path for the commonest shape (toISOString, Elasticsearch) on days up to 28 (no
    // month overflow possible): nothing to rewrite or check.
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const match = ISO_8601.exec(value);
  if (!match) return undefined;
  const [, year, month, day, clock, zone] = match;
  // Date.parse rolls 2023-02-30 over into March instead of refusing it.
  if (Number(day) > new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate()) return undefined;
  // JavaScript's Date takes at most milliseconds reliably; Monolog writes microseconds.
  const time = clock === undefined ? '00:00' : clock.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(`${year}-${month}-${day}T${time}${normaliseZone(zone)}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** No zone means UTC; "+0200" and "+02" become "+02:00". */
function normaliseZone(zone: string | undefined): string {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 'Z';
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.length > 2 ? digits.slice(2) : '00'}`;
}

type DurationResult = { ms: number | null } | { invalid: string };

/** A number (or numeric text) in the unit; anything else is a log without duration. */
function parseDuration(value: unknown, unit: DurationUnit): DurationResult {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(value)) n = Number(value);
  else return { ms: null };
  const ms = n * TO_MS[unit];
  if (!Number.isFinite(ms)) return { invalid: 'is not a finite number' };
  if (ms < 0) return { invalid: 'is negative' };
  if (ms > MAX_DURATION_MS) return { invalid: `is above ${MAX_DURATION_MS} ms` };
  return { ms };
}

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Maps a log document to lagwatch's fields, or says why it cannot be used. */
export function extractLog(doc: unknown, fields: LogFieldNames, options: ExtractOptions = {}): ExtractResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const rawTime = readPath(doc, fields.timestamp);
  if (rawTime === undefined || rawTime === null) return { ok: false, reason: `missing ${fields.timestamp}` };
  const time = parseTimestamp(rawTime);
  if (time === undefined) {
    return {
      ok: false,
      reason: `${fields.timestamp} is not an ISO 8601 time or epoch milliseconds between 1970-01-01 and 9999-12-31`,
    };
  }
  const duration = parseDuration(readPath(doc, fields.duration), fields.durationUnit);
  if ('invalid' in duration && options.invalidDuration === 'reject') {
    return { ok: false, reason: `${fields.duration} ${duration.invalid}` };
  }
  const level = text(readPath(doc, fields.level));
  return {
    ok: true,
    log: {
      time,
      app: text(readPath(doc, fields.app)),
      messageKey: text(readPath(doc, fields.messageKey)),
      durationMs: 'ms' in duration ? duration.ms : null,
      correlationId: text(readPath(doc, fields.correlationId)),
      level: level === null ? null : level.toLowerCase(),
      message: text(readPath(doc, fields.message)),
    },
  };
}

/** Converts a threshold in ms to the source's duration unit (for queries on raw fields). */
export function msToUnit(ms: number, unit: DurationUnit): number {
  return ms / TO_MS[unit];
}
