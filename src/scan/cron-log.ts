import { hostname } from 'node:os';
import type { Kysely, Selectable } from 'kysely';
import type { CronLogTable, Database } from '../db/schema.js';

export type CronStatus = CronLogTable['status'];

export interface CronOutcome {
  status: Exclude<CronStatus, 'running'>;
  logs_scanned: number;
  violations: number;
  alerts: number;
  error: string | null;
}

export interface FailingRuns {
  /** When the first failed run since the last success started, epoch ms. */
  since: number;
  runs: number;
  lastError: string | null;
  lastFailedAt: number;
}

/** The cron execution log: one row per scan run, written at start and completed at the end. */
export class CronLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async start(command: string): Promise<number> {
    const values = {
      command,
      started_at: this.now(),
      finished_at: null,
      status: 'running' as const,
      logs_scanned: 0,
      violations: 0,
      alerts: 0,
      error: null,
      host: hostname().slice(0, 191),
      pid: process.pid,
    };
    // RETURNING where the dialect has it (PostgreSQL, SQLite); MySQL reports insertId instead.
    if (this.db.getExecutor().adapter.supportsReturning) {
      const row = await this.db.insertInto('cron_logs').values(values).returning('id').executeTakeFirstOrThrow();
      return Number(row.id);
    }
    const result = await this.db.insertInto('cron_logs').values(values).executeTakeFirstOrThrow();
    return Number(result.insertId);
  }

  async finish(id: number, outcome: CronOutcome): Promise<void> {
    await this.db
      .updateTable('cron_logs')
      .set({ ...outcome, error: outcome.error?.slice(0, 2000) ?? null, finished_at: this.now() })
      .where('id', '=', id)
      .execute();
  }

  /** The latest runs, newest start first (the id breaks ties between runs started in one ms). */
  async recent(limit: number): Promise<Selectable<CronLogTable>[]> {
    return this.db
      .selectFrom('cron_logs')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * The runs of `command` that failed since its last success, when any did: since when (the
   * first one's start), how many, and the newest one's error. Skipped runs do not count.
   */
  async failingSince(command: string): Promise<FailingRuns | undefined> {
    const success = await this.db
      .selectFrom('cron_logs')
      .select((eb) => eb.fn.max<number | string | null>('started_at').as('at'))
      .where('command', '=', command)
      .where('status', '=', 'success')
      .executeTakeFirst();
    const after = success?.at == null ? -1 : Number(success.at);
    const failed = await this.db
      .selectFrom('cron_logs')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('runs'),
        eb.fn.min<number | string>('started_at').as('first'),
      ])
      .where('command', '=', command)
      .where('status', '=', 'failed')
      .where('started_at', '>', after)
      .executeTakeFirstOrThrow();
    if (Number(failed.runs) === 0) return undefined;
    const newest = await this.db
      .selectFrom('cron_logs')
      .select(['error', 'started_at'])
      .where('command', '=', command)
      .where('status', '=', 'failed')
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    return {
      since: Number(failed.first),
      runs: Number(failed.runs),
      lastError: newest.error,
      lastFailedAt: Number(newest.started_at),
    };
  }

  async latest(): Promise<Selectable<CronLogTable> | undefined> {
    return (await this.recent(1))[0];
  }
}
