import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateDb } from '../../src/db/connection.js';
import { EventBus } from '../../src/events/bus.js';
import type { EventBatch } from '../../src/events/channel.js';
import { DatabaseEventChannel, type EventLogOptions, eventLogSize } from '../../src/events/event-log.js';
import { createLogger } from '../../src/logging/logger.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'event log');
const logger = createLogger({ logLevel: 'silent' });
const ingest = (accepted: number) => ({ type: 'ingest' as const, data: { accepted, rejected: 0 } });
const until = async (done: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe.each(drivers)('the event_log table on $driver', (driver) => {
  let state: StateDb;
  let close: () => Promise<void>;
  const channels: DatabaseEventChannel[] = [];
  const channel = (options: EventLogOptions = {}) => {
    const c = new DatabaseEventChannel(state.db, logger, { pollMs: 20, ...options });
    channels.push(c);
    return c;
  };
  /** What a receiving channel handed over, as `origin:accepted`. */
  const receiver = async (c: DatabaseEventChannel) => {
    const got: string[] = [];
    await c.receive((batch: EventBatch) => {
      for (const e of batch.events) got.push(`${batch.origin}:${(e.data as { accepted: number }).accepted}`);
    });
    return got;
  };
  /** A row written as a publisher whose insert got the given id would leave it. */
  const rowWithId = async (id: number, accepted: number, created_at = Date.now()) => {
    await state.db
      .insertInto('event_log')
      .values({ id, origin: 'x', type: 'ingest', data: JSON.stringify({ accepted, rejected: 0 }), created_at })
      .execute();
    // PostgreSQL's identity does not move past explicit ids by itself (MariaDB's and SQLite's do).
    if (driver.driver === 'postgres') {
      await sql`select setval(pg_get_serial_sequence('event_log', 'id'), (select max(id) from event_log))`.execute(
        state.db,
      );
    }
  };

  /** How many reads of event_log ran meanwhile (Kysely's query log). */
  const pollCount = async (meanwhile: () => Promise<void>): Promise<number> => {
    let reads = 0;
    const original = state.db.selectFrom.bind(state.db);
    (state.db as { selectFrom: unknown }).selectFrom = ((table: 'event_log') => {
      if (table === 'event_log') reads += 1;
      return original(table);
    }) as never;
    try {
      await meanwhile();
    } finally {
      (state.db as { selectFrom: unknown }).selectFrom = original;
    }
    return reads;
  };

  beforeEach(async () => {
    if (driver.skipReason) return;
    ({ state, close } = await migratedStateDb(driver));
  });
  afterEach(async () => {
    for (const c of channels.splice(0)) await c.close();
    await close?.();
  });

  it.skipIf(driver.skipReason)('hands over every row published after it started, in order, once', async () => {
    const writer = channel();
    await writer.publish({ origin: 'old', events: [ingest(0)] }); // before the receiver: not handed over
    const reader = channel();
    const got = await receiver(reader);
    await writer.publish({ origin: 'a', events: [ingest(1), ingest(2)] });
    await writer.publish({ origin: 'b', events: [ingest(3)] });
    await until(() => got.length >= 3);
    // Several polls later, nothing came twice.
    await writer.publish({ origin: 'c', events: [ingest(4)] });
    await until(() => got.length >= 4);
    expect(got).toEqual(['a:1', 'a:2', 'b:3', 'c:4']);
  });

  it.skipIf(driver.skipReason)(
    'more rows than one page are read at once; rows of unknown type or broken JSON are skipped',
    async () => {
      const reader = channel();
      const got = await receiver(reader);
      const writer = channel();
      await writer.publish({ origin: 'w', events: Array.from({ length: 1_200 }, (_, i) => ingest(i)) });
      await state.db
        .insertInto('event_log')
        .values([
          { origin: 'w', type: 'nonsense', data: '{}', created_at: Date.now() },
          { origin: 'w', type: 'ingest', data: '{not json', created_at: Date.now() },
        ])
        .execute();
      await writer.publish({ origin: 'w', events: [ingest(9_999)] });
      await until(() => got.includes('w:9999'));
      expect(got).toHaveLength(1_201);
      expect(got.slice(0, 3)).toEqual(['w:0', 'w:1', 'w:2']);
    },
  );

  it.skipIf(driver.skipReason)(
    'a row committed after a higher id is still handed over; a hole never filled is given up',
    async () => {
      let now = 1_000_000;
      const reader = channel({ gapWaitMs: 5_000, now: () => now });
      const got = await receiver(reader);
      // Ids 1 and 3 are in; 2 (its transaction still committing) comes later.
      await rowWithId(1, 1);
      await rowWithId(3, 3);
      await until(() => got.length === 2);
      await rowWithId(2, 2);
      await until(() => got.length === 3);
      expect(got).toEqual(['x:1', 'x:3', 'x:2']);
      // Id 4 is missing for good (a rolled-back insert): after the wait the reader moves on, and
      // a row turning up in that hole afterwards is not read (nor is anything read twice).
      await rowWithId(5, 5);
      await rowWithId(6, 6);
      await until(() => got.length === 5);
      now += 6_000;
      await rowWithId(7, 7);
      await until(() => got.length === 6);
      await new Promise((resolve) => setTimeout(resolve, 100)); // a few polls past the give-up
      await rowWithId(4, 4);
      await rowWithId(8, 8);
      await until(() => got.length === 7);
      expect(got).toEqual(['x:1', 'x:3', 'x:2', 'x:5', 'x:6', 'x:7', 'x:8']);
    },
  );

  it.skipIf(driver.skipReason)(
    'prunes rows past their age and beyond the row limit, always keeping the newest',
    async () => {
      const now = Date.now();
      const c = channel({ retentionMs: 60_000, maxRows: 5, now: () => now });
      for (let id = 1; id <= 3; id++) await rowWithId(id, id, now - 120_000); // too old
      for (let id = 4; id <= 12; id++) await rowWithId(id, id, now - 1_000); // recent: newest 5 kept
      expect(await c.prune()).toBe(7);
      expect(await eventLogSize(state.db)).toEqual({ rows: 5, newestAt: now - 1_000 });
      const ids = await state.db.selectFrom('event_log').select('id').orderBy('id').execute();
      expect(ids.map((r) => Number(r.id))).toEqual([8, 9, 10, 11, 12]);

      // Everything old: the newest row stays, so ids never restart below what readers saw.
      const later = channel({ retentionMs: 60_000, now: () => now + 3_600_000 });
      expect(await later.prune()).toBe(4);
      expect((await eventLogSize(state.db)).rows).toBe(1);

      // A publisher prunes by itself (at most once a minute).
      await later.publish({ origin: 'p', events: [ingest(1)] });
      expect((await eventLogSize(state.db)).rows).toBe(1);
    },
  );

  it.skipIf(driver.skipReason)('close stops polling; publishing afterwards rejects', async () => {
    const reader = channel();
    const got = await receiver(reader);
    await reader.close();
    await channel().publish({ origin: 'late', events: [ingest(1)] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toEqual([]);
    await expect(reader.publish({ origin: 'r', events: [ingest(2)] })).rejects.toThrow(/closed/);
  });

  it.skipIf(driver.skipReason)('polls only while someone listens, and then from the newest row on', async () => {
    const writer = channel();
    const reader = channel();
    const bus = new EventBus({ channel: reader, logger });
    await bus.start();
    await writer.publish({ origin: 'w', events: [ingest(1)] });
    const pollsBefore = await pollCount(() => new Promise((resolve) => setTimeout(resolve, 150))); // several intervals
    expect(pollsBefore).toBe(0);
    expect(bus.status().received).toBe(0);
    const got: number[] = [];
    const unsubscribe = bus.subscribe((e) => got.push((e.data as { accepted: number }).accepted));
    await new Promise((resolve) => setTimeout(resolve, 60));
    await writer.publish({ origin: 'w', events: [ingest(2)] });
    await until(() => got.length >= 1);
    unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await writer.publish({ origin: 'w', events: [ingest(3)] });
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Row 1 was written while nobody listened, row 3 after the listener left.
    expect(got).toEqual([2]);
  });
});
