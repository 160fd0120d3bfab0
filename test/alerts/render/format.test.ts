import { describe, expect, it } from 'vitest';
import { formatDuration, formatSpan, plural } from '../../../src/alerts/render/format.js';
import { oneLine, truncate } from '../../../src/alerts/render/text.js';

describe('formatDuration', () => {
  it.each([
    [0.25, '0.3 ms'],
    [7, '7 ms'],
    [12, '12 ms'],
    [999.4, '999 ms'],
    [1000, '1 s'],
    [1250, '1.25 s'],
    [12_500, '12.5 s'],
    [125_000, '2 min 5 s'],
    [120_000, '2 min'],
    [3_780_000, '1 h 3 min'],
    [7_200_000, '2 h'],
  ])('%d ms reads as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatSpan', () => {
  it('shows one day once, with the span length', () => {
    const from = Date.parse('2026-11-27T10:00:01Z');
    expect(formatSpan(from, from + 298_000)).toBe('2026-11-27 10:00:01 – 10:04:59 UTC (4 min 58 s)');
  });
  it('shows both dates across midnight', () => {
    const from = Date.parse('2026-11-27T23:59:00Z');
    expect(formatSpan(from, from + 120_000)).toBe('2026-11-27 23:59:00 – 2026-11-28 00:01:00 UTC (2 min)');
  });
  it('shows a single time for a single instant', () => {
    const at = Date.parse('2026-11-27T10:00:01Z');
    expect(formatSpan(at, at)).toBe('2026-11-27 10:00:01 UTC');
  });
});

describe('plural', () => {
  it('counts', () => {
    expect(plural(1, 'violation')).toBe('1 violation');
    expect(plural(2, 'violation')).toBe('2 violations');
  });
});

describe('oneLine', () => {
  it('turns line breaks and tabs into spaces and drops control and bidi characters', () => {
    expect(oneLine('a\r\nb\tc\u0000d\u001b[0m\u202ee\u2028f', 100)).toBe('a b cd[0me f');
  });
  it('bounds a huge message without reading all of it', () => {
    const out = oneLine('y'.repeat(10_000_000), 300);
    expect(out).toHaveLength(300);
    expect(out.endsWith('…')).toBe(true);
  });
});

describe('truncate', () => {
  it('never splits a surrogate pair or an emoji sequence', () => {
    const family = '👩‍👩‍👧‍👦';
    const out = truncate(family.repeat(20), 30);
    expect(out.length).toBeLessThanOrEqual(30);
    expect(out.replace('…', '')).toBe(family.repeat(Math.floor(29 / family.length)));
  });
  it('leaves short text alone', () => {
    expect(truncate('short', 10)).toBe('short');
  });
});
