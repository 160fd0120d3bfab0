/**
 * Which figures a live event changes, and when to fetch them again: however many events arrive,
 * each kind of figure is refreshed at most once per interval, never while the tab is hidden.
 */

/**
 * What a panel's data depends on. `time`: a preset range ("last hour") moved with the clock;
 * the others name the live events (`GET /events`) that change the data.
 */
export type LiveTopic = 'logs' | 'violations' | 'alerts' | 'incidents' | 'scans' | 'time';

export const ALL_LIVE_TOPICS: readonly LiveTopic[] = ['logs', 'violations', 'alerts', 'incidents', 'scans', 'time'];

/** Panels of figures over the time range: new logs and violations change them, and the clock. */
export const RANGE_FIGURES: readonly LiveTopic[] = ['logs', 'violations', 'time'];

/** Lists and charts of recorded violations over the time range. */
export const VIOLATION_FIGURES: readonly LiveTopic[] = ['violations', 'time'];

/** The topics a live event of this type changes (none for a type this dashboard does not know). */
export function topicsOfEvent(type: string): LiveTopic[] {
  switch (type) {
    case 'ingest':
      return ['logs'];
    case 'violation':
      return ['violations'];
    case 'alert':
      return ['alerts'];
    case 'incident':
      return ['incidents'];
    case 'scan':
      return ['scans'];
    default:
      return [];
  }
}

/**
 * The shortest time between two live refreshes: short ranges show a minute of new logs, long
 * ones barely move.
 */
export function liveIntervalMs(rangeMinutes: number): number {
  return rangeMinutes <= 60 ? 10_000 : rangeMinutes <= 360 ? 15_000 : rangeMinutes <= 1440 ? 30_000 : 60_000;
}

export interface CoalescerClock {
  now(): number;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

export interface CoalescerOptions {
  /** Called once per refresh with every topic that changed since the last one. */
  flush(topics: ReadonlySet<LiveTopic>): void;
  /** The shortest time between two flushes (read at each scheduling: the range may change). */
  intervalMs(): number;
  /** How long after the first of a burst of events to wait for the rest (one scan's events). */
  settleMs: number;
  /** A hidden tab fetches nothing; what changed meanwhile is fetched once it shows again. */
  isHidden(): boolean;
  clock?: CoalescerClock;
}

const realClock: CoalescerClock = {
  now: () => Date.now(),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

export class RefreshCoalescer {
  private readonly pending = new Set<LiveTopic>();
  private lastFlush = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private readonly clock: CoalescerClock;

  constructor(private readonly options: CoalescerOptions) {
    this.clock = options.clock ?? realClock;
    // The page fetches everything as it opens: that counts as the first refresh.
    this.lastFlush = this.clock.now();
  }

  /** Something changed these topics: they are refreshed at the next allowed flush. */
  note(topics: readonly LiveTopic[]): void {
    for (const topic of topics) this.pending.add(topic);
    this.schedule();
  }

  /** Everything was just fetched (a manual refresh, a new token): nothing is pending. */
  refreshedAll(): void {
    this.pending.clear();
    this.cancel();
    this.lastFlush = this.clock.now();
  }

  /** The tab was shown or hidden: a shown tab fetches what changed while it was hidden. */
  visibilityChanged(): void {
    if (this.options.isHidden()) this.cancel();
    else this.schedule();
  }

  dispose(): void {
    this.cancel();
    this.pending.clear();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.pending.size === 0 || this.options.isHidden()) return;
    const now = this.clock.now();
    const wait = Math.max(this.options.settleMs, this.lastFlush + this.options.intervalMs() - now);
    this.timer = this.clock.setTimer(() => this.run(), wait);
  }

  private run(): void {
    this.timer = undefined;
    if (this.options.isHidden() || this.pending.size === 0) return;
    const topics = new Set(this.pending);
    this.pending.clear();
    this.lastFlush = this.clock.now();
    this.options.flush(topics);
  }

  private cancel(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
