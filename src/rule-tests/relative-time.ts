/**
 * Relative times of rule test files: an offset from the evaluation time written as a sign and
 * one or more amounts with a unit, largest first: `-90s`, `-4m`, `-1h30m`, `+1h`, `-2d`; and `0`
 * for the evaluation time itself. Tests hold no absolute times, so they do not rot.
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
type Unit = keyof typeof UNIT_MS;
const UNITS = Object.keys(UNIT_MS) as Unit[];

const SHAPE = /^([+-])((?:\d{1,9}[dhms])+)$/;
const PART = /(\d{1,9})([dhms])/g;

export type RelativeTimeResult = { ok: true; ms: number } | { ok: false; reason: string };

/** What a relative time looks like, for messages. */
export const RELATIVE_TIME_EXPECTED = 'a signed offset such as -90s, -4m, -1h30m, +1h or -2d (units d, h, m, s), or 0';

/** The offset in ms that `value` (YAML text or the number 0) stands for, or why it is not one. */
export function parseRelativeTime(value: unknown): RelativeTimeResult {
  if (value === 0 || value === '0') return { ok: true, ms: 0 };
  if (typeof value !== 'string') return { ok: false, reason: `must be ${RELATIVE_TIME_EXPECTED}` };
  const text = value.trim();
  const match = SHAPE.exec(text);
  if (!match) {
    const unsigned = /^(?:\d{1,9}[dhms])+$/.test(text);
    return {
      ok: false,
      reason: unsigned
        ? `"${text}" needs a sign: -${text} (before the evaluation time) or +${text} (after it)`
        : `"${text.slice(0, 40)}" is not ${RELATIVE_TIME_EXPECTED}`,
    };
  }
  const [, sign, body] = match as unknown as [string, string, string];
  let ms = 0;
  let previous = Number.POSITIVE_INFINITY;
  for (const [, amount, unit] of body.matchAll(PART)) {
    const size = UNIT_MS[unit as Unit];
    if (size >= previous) return { ok: false, reason: `"${text}": give each unit once, largest first (e.g. -1h30m)` };
    previous = size;
    ms += Number(amount) * size;
  }
  return { ok: true, ms: sign === '-' ? -ms : ms };
}

/** An offset in ms as a test file writes it: "-4m", "-1h30m", "+90s" ("-1m30s"), "0". */
export function formatRelativeTime(ms: number): string {
  if (ms === 0) return '0';
  let rest = Math.abs(ms);
  let text = '';
  for (const unit of UNITS) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * UNIT_MS[unit];
  }
  if (rest > 0 || text === '') text += `${rest}ms`;
  return `${ms < 0 ? '-' : '+'}${text}`;
}

/** A duration (`evaluation_interval`): like a relative time without the sign, e.g. `1m`, `30s`. */
export function parseDuration(value: unknown): RelativeTimeResult {
  if (typeof value !== 'string' || !/^(?:\d{1,9}[dhms])+$/.test(value.trim())) {
    return { ok: false, reason: 'must be a duration such as 30s, 1m or 5m (units d, h, m, s)' };
  }
  const parsed = parseRelativeTime(`+${value.trim()}`);
  if (parsed.ok && parsed.ms <= 0) return { ok: false, reason: 'must be longer than 0' };
  return parsed;
}
