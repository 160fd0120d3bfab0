import { useEffect, useState } from 'react';

/**
 * The one clock behind every relative time on screen ("3 min ago", "in 59 min", "due in 20 s"):
 * a single timer for the whole app, ticking at the shortest period any subscriber asks for,
 * calls each subscriber once its own period has passed. So those texts stay true without a
 * refetch, and a table of rows still runs one timer.
 */

/** Minute-grain text ("3 min ago") is at most this late. */
export const MINUTE_GRAIN_MS = 15_000;
/** Text that shows seconds ("in 20 s") ticks every second. */
export const SECOND_GRAIN_MS = 1_000;

interface Subscriber {
  periodMs: number;
  last: number;
  notify(): void;
}

const subscribers = new Set<Subscriber>();
let timer: ReturnType<typeof setInterval> | undefined;
let timerPeriod = Number.POSITIVE_INFINITY;

function tick(): void {
  const now = Date.now();
  for (const subscriber of subscribers) {
    // Half a tick of slack: a timer that fires a little early must not skip a whole period.
    if (now - subscriber.last >= subscriber.periodMs - timerPeriod / 2) {
      subscriber.last = now;
      subscriber.notify();
    }
  }
}

function reschedule(): void {
  let period = Number.POSITIVE_INFINITY;
  for (const subscriber of subscribers) period = Math.min(period, subscriber.periodMs);
  if (period === timerPeriod) return;
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  timerPeriod = period;
  if (Number.isFinite(period)) timer = setInterval(tick, period);
}

/** Calls `notify` every `periodMs` (from the one shared timer); answers the unsubscribe. */
export function subscribeClock(periodMs: number, notify: () => void): () => void {
  const subscriber: Subscriber = { periodMs: Math.max(SECOND_GRAIN_MS, periodMs), last: Date.now(), notify };
  subscribers.add(subscriber);
  reschedule();
  return () => {
    subscribers.delete(subscriber);
    reschedule();
  };
}

/** How many timers the clock runs now (0 or 1), and at what period: for tests. */
export function clockTimer(): { running: boolean; periodMs: number } {
  return { running: timer !== undefined, periodMs: timerPeriod };
}

/**
 * The time to render relative texts against: the component renders again every `periodMs`,
 * and any render (a refetch, a click) reads the clock afresh.
 */
export function useNow(periodMs: number = MINUTE_GRAIN_MS): number {
  const [, setTicks] = useState(0);
  useEffect(() => subscribeClock(periodMs, () => setTicks((n) => n + 1)), [periodMs]);
  return Date.now();
}

/**
 * How often relative texts of these times change: every second while one is within a minute
 * and a quarter of now (its text shows seconds, or soon will), else every 15 s.
 */
export function relativePeriod(values: readonly (number | string | Date | null | undefined)[], now = Date.now()) {
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const at = new Date(value).getTime();
    if (!Number.isNaN(at) && Math.abs(at - now) < 75_000) return SECOND_GRAIN_MS;
  }
  return MINUTE_GRAIN_MS;
}

/** `useNow` at the period the relative texts of these times need. */
export function useRelativeNow(...values: (number | string | Date | null | undefined)[]): number {
  return useNow(relativePeriod(values));
}
