import { describe, expect, it } from 'vitest';
import type { PreviewSeries, RulePreview } from '../../web/src/api/window-types.js';
import {
  describePreview,
  formatLasting,
  formatStatValue,
  latencyConditionWords,
  PREVIEW_TOP,
} from '../../web/src/window-words.js';

const series = (patch: Partial<PreviewSeries>): PreviewSeries => ({
  message_key: null,
  value: 640,
  samples: 1204,
  threshold: 800,
  baseline_value: null,
  judged: true,
  condition_holds: false,
  ...patch,
});
const preview = (items: PreviewSeries[], wouldFire: boolean, unit = 'ms'): RulePreview => ({
  statistic: 'p95',
  unit,
  window_from: '2026-12-06T09:55:00.000Z',
  window_to: '2026-12-06T10:00:00.000Z',
  series: items,
  would_fire: wouldFire,
});

describe('window rule previews in words', () => {
  it('says the statistic, window, value, sample count and verdict of one series', () => {
    const rule = { kind: 'latency' as const, statistic: 'p95' as const, window_minutes: 5, min_samples: 20 };
    expect(describePreview(rule, preview([series({})], false)).headline).toBe(
      'p95 over the last 5 min: 640 ms from 1,204 logs; would not fire',
    );
    expect(describePreview(rule, preview([series({ value: 1240, condition_holds: true })], true)).headline).toBe(
      'p95 over the last 5 min: 1.24 s from 1,204 logs; would fire',
    );
    expect(describePreview(rule, preview([series({ samples: 12, judged: false })], false)).headline).toBe(
      'p95 over the last 5 min: 640 ms from 12 logs, fewer than 20: not judged; would not fire',
    );
    expect(describePreview(rule, preview([series({ value: null, samples: 0, judged: false })], false)).headline).toBe(
      'p95 over the last 5 min: no logs; would not fire',
    );
  });

  it('names the baseline value, and the share of slow logs in %', () => {
    const baseline = {
      kind: 'latency' as const,
      statistic: 'avg' as const,
      window_minutes: 60,
      compare_to: '1d' as const,
    };
    expect(describePreview(baseline, preview([series({ value: 900, baseline_value: 300 })], true)).headline).toBe(
      'average over the last 1 h: 900 ms from 1,204 logs (a day earlier: 300 ms); would fire',
    );
    const share = { kind: 'latency' as const, statistic: 'slow_ratio' as const, slow_ms: 500, window_minutes: 10 };
    expect(describePreview(share, preview([series({ value: 12.5 })], false, '%')).headline).toBe(
      'share of logs over 500 ms over the last 10 min: 12.5% from 1,204 logs; would not fire',
    );
  });

  it('per message key: counts the keys over the threshold and lists the top few, those firing first', () => {
    const rule = {
      kind: 'latency' as const,
      statistic: 'p99' as const,
      window_minutes: 5,
      per_key: true,
      min_samples: 20,
    };
    const items = Array.from({ length: 8 }, (_, i) =>
      series({ message_key: `GET /k${i}`, value: 100 * (i + 1), condition_holds: i === 1 || i === 2 }),
    );
    const words = describePreview(rule, preview(items, true));
    expect(words.headline).toBe('p99 over the last 5 min, per message key: 8 keys, 2 over the threshold; would fire');
    expect(words.lines).toHaveLength(PREVIEW_TOP);
    expect(words.lines[0]).toBe('GET /k2: 300 ms from 1,204 logs; over the threshold');
    expect(words.lines[1]).toBe('GET /k1: 200 ms from 1,204 logs; over the threshold');
    expect(words.lines[2]).toBe('GET /k7: 800 ms from 1,204 logs; within the threshold');
    expect(words.more).toBe(3);
  });

  it('absence: the logs in the silent window, or none', () => {
    const rule = { kind: 'absence' as const, silent_minutes: 10 };
    expect(describePreview(rule, preview([series({ value: 0, samples: 0 })], true, 'logs')).headline).toBe(
      'No log in the last 10 min; would fire',
    );
    expect(describePreview(rule, preview([series({ value: 1, samples: 1 })], false, 'logs')).headline).toBe(
      '1 log in the last 10 min; would not fire',
    );
  });

  it('formats values by unit, conditions and durations', () => {
    expect(formatStatValue(640, 'ms')).toBe('640 ms');
    expect(formatStatValue(3.25, '%')).toBe('3.3%');
    expect(formatStatValue(null, 'ms')).toBe('—');
    expect(
      latencyConditionWords({ statistic: 'p95', slow_ms: null, window_minutes: 5, threshold: 800, baseline: null }),
    ).toBe('p95 over 5 min > 800 ms');
    expect(
      latencyConditionWords({
        statistic: 'p95',
        slow_ms: null,
        window_minutes: 5,
        threshold: null,
        baseline: { compare_to: '7d', ratio: 2, min_increase_ms: 100 },
      }),
    ).toBe('p95 over 5 min > 2× a week earlier (+100 ms)');
    expect(formatLasting('2026-12-06T10:00:00Z', '2026-12-06T10:23:00Z')).toBe('23 min');
    expect(formatLasting('2026-12-06T10:00:00Z', '2026-12-06T12:05:00Z')).toBe('2 h 5 min');
    expect(formatLasting('2026-12-06T10:00:00Z', null, Date.parse('2026-12-08T14:00:00Z'))).toBe('2 d 4 h');
  });
});
