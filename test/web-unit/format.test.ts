import { describe, expect, it } from 'vitest';
import { formatDue, formatRelative } from '../../web/src/format.js';

const now = Date.parse('2026-12-06T12:00:00Z');
const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();

describe('relative times', () => {
  it('says how long ago', () => {
    expect([-2, -40, -300, -5400, -7200, -3 * 86_400].map((s) => formatRelative(at(s), now))).toEqual([
      'just now',
      '40 s ago',
      '5 min ago',
      '1 h 30 min ago',
      '2 h ago',
      '3 d ago',
    ]);
  });

  it('says how long until a time to come, never "just now"', () => {
    expect([3, 40, 300, 3599.6, 3600, 7140, 23 * 3600, 30 * 86_400].map((s) => formatRelative(at(s), now))).toEqual([
      'in 3 s',
      'in 40 s',
      'in 5 min',
      'in 59 min',
      'in 1 h',
      'in 1 h 59 min',
      'in 23 h',
      'in 30 d',
    ]);
    // A silence of an hour, seen a few seconds after it was made.
    expect(formatRelative(now + 3600_000 - 4_000, now)).toBe('in 59 min');
    expect(formatRelative(now + 400, now)).toBe('now');
  });

  it('reads dates, epoch ms and missing values', () => {
    expect(formatRelative(new Date(now - 600_000), now)).toBe('10 min ago');
    expect(formatRelative(null, now)).toBe('—');
    expect(formatRelative('not a time', now)).toBe('—');
  });
});

describe('when a retry is due', () => {
  it('counts down to the next attempt, and says "now" once it is due', () => {
    expect([300, 90, 20, 0.5, -30].map((s) => formatDue(at(s), now))).toEqual([
      'in 5 min',
      'in 1 min',
      'in 20 s',
      'now',
      'now',
    ]);
    expect(formatDue(null, now)).toBe('—');
  });
});
