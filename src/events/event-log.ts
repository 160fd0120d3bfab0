import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logging/logger.js';
import { type EventBatch, type EventChannel, parseEvent } from './channel.js';

export interface EventLogOptions {
  /** Milliseconds between polls for new rows; default 1 000. */
  pollMs?: number;
  /** Rows older than this are pruned (the newest row is always kept); default 10 minutes. */
  retentionMs?: number;
  /** At most this many rows are kept; default 10 000. */
  maxRows?: number;
  /**
   * How long a missing id below rows already seen is waited for before it is given up (an insert
   * committed out of id order on MariaDB/PostgreSQL, or rolled back); default 10 s.
   */
  gapWaitMs?: number;
  now?: () => number;
}

const PAGE = 500;
const PRUNE_EVERY_MS = 60_000;
/** Ids held above a hole at most; past this the hole is given up at once. */
const MAX_HELD = 5_000;

/**
 * The `event_log` table, and every query on it: live events shared through the state database
 * when Redis is not configured. Each publisher appends rows; each receiving server polls for
 * rows with an id above the last it saw (a primary-key range read), so an event reaches every
 * server within about one poll interval, while that server has a listener (an open `/events`
 * stream; idle, it reads nothing). Writers prune rows past their age or count.
 */
export class DatabaseEventChannel implements EventChannel {
  readonly kind = 'database';
  readonly description: string;
  private readonly pollMs: number;
  private readonly retentionMs: number;
  private readonly maxRows: number;
  private readonly gapWaitMs: number;
  private readonly now: () => number;
  private lastPrune = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  /** Every id up to here has been handed over (or given up). */
  private cursor = 0;
  /** Ids above the cursor already handed over, waiting for the ones below them. */
  private readonly seenAbove = new Set<number>();
  private gapSince: number | undefined;
  private pollFailing = false;
  private deliver: ((batch: EventBatch) => void) | undefined;
  /** Whether anyone in this process listens; polling runs only while someone does. */
  private listening = true;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    options: EventLogOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1_000;
    this.retentionMs = options.retentionMs ?? 10 * 60_000;
    this.maxRows = options.maxRows ?? 10_000;
    this.gapWaitMs = options.gapWaitMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.description = `state database (event_log, polled every ${this.pollMs} ms)`;
  }

  async publish(batch: EventBatch): Promise<void> {
    if (this.closed) throw new Error('the event log is closed');
    if (batch.events.length === 0) return;
    const now = this.now();
    await this.db
      .insertInto('event_log')
      .values(
        batch.events.map((event) => ({
          origin: batch.origin,
          type: event.type,
          data: JSON.stringify(event.data),
          created_at: now,
        })),
      )
      .execute();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.prune(now).catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not prune old live events from event_log'),
      );
    }
  }

  async receive(deliver: (batch: EventBatch) => void): Promise<void> {
    if (this.closed || this.deliver) return;
    this.deliver = deliver;
    if (this.listening) await this.startPolling();
  }

  /**
   * Polls only while someone listens: idle, `start` reads nothing. Polling starts again from the
   * newest row (events published while nobody listened had nobody to go to).
   */
  setListening(listening: boolean): void {
    if (listening === this.listening) return;
    this.listening = listening;
    if (!listening) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.deliver && !this.closed) {
      void this.startPolling();
    }
  }

  private async startPolling(): Promise<void> {
    if (this.timer || this.polling) return;
    // Marks polling as started while the newest id is read, so a second call does not start twice.
    this.polling = this.newestId().then(
      (id) => {
        this.cursor = id;
      },
      (error: unknown) => {
        // Start from the first row seen once the database answers (the poll below retries).
        this.cursor = -1;
        this.logger.warn({ err: error }, 'live events: cannot read event_log yet; retrying');
      },
    );
    await this.polling;
    this.polling = undefined;
    this.seenAbove.clear();
    this.gapSince = undefined;
    const deliver = this.deliver;
    if (!deliver || this.closed || !this.listening) return;
    const tick = () => {
      this.timer = undefined;
      if (this.closed || !this.listening) return;
      this.polling = this.poll(deliver).finally(() => {
        this.polling = undefined;
        if (!this.closed && this.listening && !this.timer) this.timer = setTimeout(tick, this.pollMs);
      });
    };
    this.timer = setTimeout(tick, this.pollMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** Deletes rows past the retention age, and beyond the newest maxRows; keeps the newest row. */
  async prune(now = this.now()): Promise<number> {
    const newest = await this.newestId();
    if (newest === 0) return 0;
    const result = await this.db
      .deleteFrom('event_log')
      .where((eb) =>
        eb.and([
          eb('id', '<', newest),
          eb.or([eb('created_at', '<', now - this.retentionMs), eb('id', '<=', newest - this.maxRows)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async newestId(): Promise<number> {
    const row = await this.db
      .selectFrom('event_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
  }

  private async poll(deliver: (batch: EventBatch) => void): Promise<void> {
    try {
      if (this.cursor < 0) this.cursor = await this.newestId();
      for (;;) {
        const rows = await this.db
          .selectFrom('event_log')
          .select(['id', 'origin', 'type', 'data'])
          .where('id', '>', this.cursor)
          .orderBy('id')
          // Rows above a hole come back until the hole is closed: read that many more.
          .limit(PAGE + this.seenAbove.size)
          .execute();
        let fresh = 0;
        for (const row of rows) {
          const id = Number(row.id);
          if (this.seenAbove.has(id)) continue;
          this.seenAbove.add(id);
          fresh += 1;
          const event = parseEvent(row.type, row.data);
          if (event) deliver({ origin: row.origin, events: [event] });
        }
        this.advanceCursor();
        if (this.pollFailing) this.logger.info('live events: event_log readable again');
        this.pollFailing = false;
        // A full page: more rows are waiting; read on now rather than after the interval.
        if (fresh < PAGE || this.closed) return;
      }
    } catch (error) {
      if (!this.pollFailing) this.logger.warn({ err: error }, 'live events: cannot read event_log; retrying');
      this.pollFailing = true;
    }
  }

  /**
   * Moves the cursor over the ids handed over without a hole. A hole (an id not seen below one
   * that was) is waited for up to gapWaitMs: its insert may still be committing.
   */
  private advanceCursor(): void {
    for (;;) {
      while (this.seenAbove.delete(this.cursor + 1)) this.cursor += 1;
      if (this.seenAbove.size === 0) {
        this.gapSince = undefined;
        return;
      }
      const now = this.now();
      this.gapSince ??= now;
      if (now - this.gapSince < this.gapWaitMs && this.seenAbove.size < MAX_HELD) return;
      // Given up: jump to the lowest id seen above the hole and carry on from there.
      this.cursor = Math.min(...this.seenAbove) - 1;
      this.gapSince = undefined;
    }
  }
}

/** How many rows event_log holds and when the newest was written (`diagnose`). */
export async function eventLogSize(db: Kysely<Database>): Promise<{ rows: number; newestAt: number | undefined }> {
  const row = await db
    .selectFrom('event_log')
    .select((eb) => [eb.fn.countAll<number>().as('rows'), eb.fn.max('created_at').as('newest')])
    .executeTakeFirst();
  return {
    rows: Number(row?.rows ?? 0),
    newestAt: row?.newest === null || row?.newest === undefined ? undefined : Number(row.newest),
  };
}
