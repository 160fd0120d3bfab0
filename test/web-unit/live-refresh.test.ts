import { describe, expect, it } from 'vitest';
import {
  type CoalescerClock,
  type LiveTopic,
  liveIntervalMs,
  RefreshCoalescer,
  topicsOfEvent,
} from '../../web/src/live-refresh.js';

/** A clock the test moves by hand: timers run when `advance` passes their time. */
function manualClock(): CoalescerClock & { advance(ms: number): void } {
  let now = 1_000_000;
  let next = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  return {
    now: () => now,
    setTimer(run, ms) {
      next += 1;
      timers.set(next, { at: now + ms, run });
      return next;
    },
    clearTimer(timer) {
      timers.delete(timer as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
      }
      now = end;
    },
  };
}

function setUp(options: { intervalMs?: number; settleMs?: number; skipFirstLoad?: boolean } = {}) {
  const clock = manualClock();
  const flushes: { at: number; topics: LiveTopic[] }[] = [];
  let hidden = false;
  const coalescer = new RefreshCoalescer({
    flush: (topics) => flushes.push({ at: clock.now(), topics: [...topics].sort() }),
    intervalMs: () => options.intervalMs ?? 10_000,
    settleMs: options.settleMs ?? 1_000,
    isHidden: () => hidden,
    clock,
  });
  // Past the page's own first load (which counts as a refresh), unless a test looks at it.
  if (options.skipFirstLoad !== false) clock.advance(60_000);
  const start = clock.now();
  return {
    clock,
    coalescer,
    flushes,
    /** Flush times relative to the start. */
    times: () => flushes.map((f) => f.at - start),
    setHidden(value: boolean) {
      hidden = value;
      coalescer.visibilityChanged();
    },
  };
}

describe('live refresh coalescing', () => {
  it('names the figures each event changes', () => {
    expect(['ingest', 'violation', 'alert', 'incident', 'scan', 'heartbeat'].map(topicsOfEvent)).toEqual([
      ['logs'],
      ['violations'],
      ['alerts'],
      ['incidents'],
      ['scans'],
      [],
    ]);
  });

  it('waits longer between refreshes for longer ranges', () => {
    expect([15, 60, 360, 1440, 10_080].map(liveIntervalMs)).toEqual([10_000, 10_000, 15_000, 30_000, 60_000]);
  });

  it('counts the page opening as a refresh: the first events wait for the interval', () => {
    const t = setUp({ skipFirstLoad: false });
    t.clock.advance(2_000);
    t.coalescer.note(['logs']);
    t.clock.advance(7_999);
    expect(t.flushes).toEqual([]);
    t.clock.advance(1);
    expect(t.times()).toEqual([10_000]);
  });

  it('turns a burst of events into one refresh after the settle time', () => {
    const t = setUp();
    t.coalescer.note(['logs']);
    t.clock.advance(300);
    t.coalescer.note(['violations']);
    t.coalescer.note(['logs']);
    expect(t.flushes).toEqual([]);
    t.clock.advance(700);
    expect(t.times()).toEqual([1_000]);
    expect(t.flushes[0]?.topics).toEqual(['logs', 'violations']);
    t.clock.advance(60_000);
    expect(t.flushes).toHaveLength(1);
  });

  it('refreshes at most once per interval under a steady stream of events', () => {
    const t = setUp({ intervalMs: 10_000 });
    // An ingest event every 200 ms for 30 s, a violation every 2 s: the "live ingest" of the demo.
    for (let ms = 0; ms < 30_000; ms += 200) {
      t.coalescer.note(ms % 2_000 === 0 ? ['logs', 'violations'] : ['logs']);
      t.clock.advance(200);
    }
    // The first after the settle time, then one per interval: 3 in 30 s, not one per event.
    expect(t.times()).toEqual([1_000, 11_000, 21_000]);
    for (let i = 1; i < t.flushes.length; i++) {
      expect(t.flushes[i]!.at - t.flushes[i - 1]!.at).toBeGreaterThanOrEqual(10_000);
    }
    expect(t.flushes.every((f) => f.topics.join() === 'logs,violations')).toBe(true);
  });

  it('flushes only the topics that changed since the last refresh', () => {
    const t = setUp();
    t.coalescer.note(['alerts']);
    t.clock.advance(1_000);
    t.coalescer.note(['incidents']);
    t.clock.advance(20_000);
    expect(t.flushes.map((f) => f.topics)).toEqual([['alerts'], ['incidents']]);
    expect(t.times()).toEqual([1_000, 11_000]);
  });

  it('fetches nothing while the tab is hidden, then once when it shows again', () => {
    const t = setUp();
    t.setHidden(true);
    t.coalescer.note(['logs']);
    t.clock.advance(5_000);
    t.coalescer.note(['violations']);
    t.clock.advance(120_000);
    expect(t.flushes).toEqual([]);
    t.setHidden(false);
    t.clock.advance(999);
    expect(t.flushes).toEqual([]);
    t.clock.advance(1);
    expect(t.flushes.map((f) => f.topics)).toEqual([['logs', 'violations']]);
  });

  it('drops a refresh scheduled before the tab was hidden', () => {
    const t = setUp();
    t.coalescer.note(['logs']);
    t.clock.advance(500);
    t.setHidden(true);
    t.clock.advance(30_000);
    expect(t.flushes).toEqual([]);
    t.setHidden(false);
    t.clock.advance(1_000);
    expect(t.flushes.map((f) => f.topics)).toEqual([['logs']]);
  });

  it('counts a manual refresh as one: what was pending is not fetched again', () => {
    const t = setUp();
    t.coalescer.note(['logs']);
    t.clock.advance(500);
    t.coalescer.refreshedAll();
    t.clock.advance(2_000);
    expect(t.flushes).toEqual([]);
    // The next event waits for the interval from the manual refresh.
    t.coalescer.note(['logs']);
    t.clock.advance(30_000);
    expect(t.times()).toEqual([10_500]);
  });

  it('stops after dispose', () => {
    const t = setUp();
    t.coalescer.note(['logs']);
    t.coalescer.dispose();
    t.clock.advance(30_000);
    expect(t.flushes).toEqual([]);
  });
});
