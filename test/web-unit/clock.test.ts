import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clockTimer, relativePeriod, subscribeClock } from '../../web/src/clock.js';
import { silencePhase, silenceWhen } from '../../web/src/silence-when.js';

describe('the shared clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-12-06T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one timer for every subscriber, at the shortest period asked for, and none without one', () => {
    const rows = Array.from({ length: 50 }, () => vi.fn());
    const stops = rows.map((row) => subscribeClock(15_000, row));
    expect(vi.getTimerCount()).toBe(1);
    expect(clockTimer()).toEqual({ running: true, periodMs: 15_000 });

    vi.advanceTimersByTime(14_999);
    expect(rows[0]).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    for (const row of rows) expect(row).toHaveBeenCalledTimes(1);

    const seconds = vi.fn();
    const stopSeconds = subscribeClock(1_000, seconds);
    expect(vi.getTimerCount()).toBe(1);
    expect(clockTimer().periodMs).toBe(1_000);
    vi.advanceTimersByTime(15_000);
    expect(seconds).toHaveBeenCalledTimes(15);
    // The 15-second subscribers are still called once per 15 s, not every second.
    expect(rows[0]).toHaveBeenCalledTimes(2);

    stopSeconds();
    expect(clockTimer().periodMs).toBe(15_000);
    vi.advanceTimersByTime(15_000);
    expect(seconds).toHaveBeenCalledTimes(15);
    expect(rows[0]).toHaveBeenCalledTimes(3);

    for (const stop of stops) stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(clockTimer().running).toBe(false);
  });

  it('ticks every second while a time is within a minute and a quarter of now, else every 15 s', () => {
    const now = Date.now();
    expect(relativePeriod([now + 20_000], now)).toBe(1_000);
    expect(relativePeriod([now - 70_000], now)).toBe(1_000);
    expect(relativePeriod([now + 59 * 60_000], now)).toBe(15_000);
    expect(relativePeriod([null, undefined, 'not a time'], now)).toBe(15_000);
    expect(relativePeriod([now - 3_600_000, new Date(now + 5_000)], now)).toBe(1_000);
  });
});

describe("a silence's time in words as the clock moves", () => {
  const start = Date.parse('2026-12-06T12:00:00Z');
  const silence = { starts_at: new Date(start).toISOString(), ends_at: new Date(start + 3_600_000).toISOString() };
  const minutes = (n: number) => start + n * 60_000;

  it('counts down to the end, then says it ended', () => {
    expect(silenceWhen(silence, minutes(1))).toBe('in 59 min');
    expect(silencePhase(silence, minutes(1))).toBe('in force');
    expect(silenceWhen(silence, minutes(59))).toBe('in 1 min');
    expect(silenceWhen(silence, minutes(60) - 500)).toBe('now');
    expect(silenceWhen(silence, minutes(60))).toBe('ended just now');
    expect(silencePhase(silence, minutes(60))).toBe('ended');
    expect(silenceWhen(silence, minutes(61))).toBe('ended 1 min ago');
  });

  it('a future silence says when it starts, then when it ends', () => {
    expect(silenceWhen(silence, minutes(-5))).toBe('starts in 5 min');
    expect(silencePhase(silence, minutes(-5))).toBe('future');
    expect(silenceWhen(silence, minutes(0))).toBe('in 1 h');
  });
});
