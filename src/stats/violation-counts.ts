import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { TimeRange } from '../logs/source.js';

/** Recorded violations whose log time lies in the range, by rule type. */
export async function violationsByType(
  db: Kysely<Database>,
  range: TimeRange,
): Promise<{ app: number; message: number }> {
  const rows = await db
    .selectFrom('violations')
    .select(['rule_type', (eb) => eb.fn.countAll().as('n')])
    .where('log_time', '>=', range.from)
    .where('log_time', '<', range.to)
    .groupBy('rule_type')
    .execute();
  const counts = { app: 0, message: 0 };
  for (const row of rows) {
    if (row.rule_type === 'app' || row.rule_type === 'message') counts[row.rule_type] = Number(row.n);
  }
  return counts;
}

/** Recorded violations per bucket start (aligned to the epoch like the log source's buckets). */
export async function violationsPerBucket(
  db: Kysely<Database>,
  range: TimeRange,
  intervalMs: number,
  app?: string,
): Promise<Map<number, number>> {
  // Inlined as a literal: PostgreSQL does not match two bound parameters between SELECT and GROUP BY.
  const bucket = sql<number>`log_time - (log_time % ${sql.lit(Math.trunc(intervalMs))})`;
  let query = db
    .selectFrom('violations')
    .select([bucket.as('bucket'), (eb) => eb.fn.countAll().as('n')])
    .where('log_time', '>=', range.from)
    .where('log_time', '<', range.to);
  if (app !== undefined) query = query.where('app_name', '=', app);
  const rows = await query.groupBy(bucket).execute();
  return new Map(rows.map((row) => [Number(row.bucket), Number(row.n)]));
}

/** Recorded violations per app in the range. */
export async function violationsPerApp(db: Kysely<Database>, range: TimeRange): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('violations')
    .select(['app_name', (eb) => eb.fn.countAll().as('n')])
    .where('log_time', '>=', range.from)
    .where('log_time', '<', range.to)
    .groupBy('app_name')
    .execute();
  return new Map(rows.map((row) => [row.app_name, Number(row.n)]));
}
