import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryAfterSecondsToMs } from '../../src/outbound/retry-after.js';

const now = Date.parse('2026-11-27T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates (IMF-fixdate, RFC 850, asctime)', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Friday, 27-Nov-26 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri Nov 27 10:00:30 2026', now)).toBe(30_000);
    // A date already past: try again now.
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('caps what a hostile peer asks for at one hour', () => {
    expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
    for (const value of ['99999999999999999999', '3601', '1'.repeat(400), 'Fri, 31 Dec 9999 23:59:59 GMT']) {
      expect(parseRetryAfter(value, now), value).toBe(MAX_RETRY_AFTER_MS);
    }
  });

  it('ignores what is absent, negative, fractional or garbage', () => {
    for (const value of [
      null,
      undefined,
      '',
      '  ',
      '-5',
      '-1',
      '1.5',
      '1e9',
      'soon',
      '0x10',
      'NaN',
      'Infinity',
      'Fri, 99 Nov 2026 10:00:30 GMT',
    ]) {
      expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
    }
  });
});

describe('retryAfterSecondsToMs (Telegram retry_after)', () => {
  it('reads seconds, caps them, and ignores what is not a non-negative number', () => {
    expect(retryAfterSecondsToMs(3)).toBe(3000);
    expect(retryAfterSecondsToMs(0.5)).toBe(500);
    expect(retryAfterSecondsToMs(1e20)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterSecondsToMs(Number.MAX_VALUE)).toBe(MAX_RETRY_AFTER_MS);
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '30', null, undefined, {}]) {
      expect(retryAfterSecondsToMs(value), String(value)).toBeUndefined();
    }
  });
});
