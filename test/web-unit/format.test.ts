import { describe, expect, it } from 'vitest';
import { formatRelative } from '../../web/src/format.js';

describe('relative times', () => {
  it('says how long ago, or how long until a time to come', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    expect([-2, -40, -300, -7200, -3 * 86_400].map((s) => formatRelative(at(s), now))).toEqual([
      'just now',
      '40 s ago',
      '5 min ago',
      '2 h ago',
      '3 d ago',
    ]);
    expect([3, 40, 300, 7200, 30 * 86_400].map((s) => formatRelative(at(s), now))).toEqual([
      'just now',
      'in 40 s',
      'in 5 min',
      'in 2 h',
      'in 30 d',
    ]);
  });
});
