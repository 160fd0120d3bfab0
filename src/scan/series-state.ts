import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A window rule's series between evaluations (see series-machine.ts). */
export interface SeriesState {
  state: 'ok' | 'pending' | 'firing';
  /** Log time the condition started holding, while pending. */
  pendingSince: number | null;
  lastValue: number | null;
  lastSamples: number;
  lastEvaluatedAt: number;
  /** Wall-clock time of the last alert or reminder. */
  lastNotifiedAt: number | null;
  incidentId: number | null;
}

/** The one module that holds the SQL of `rule_series`. */

/** Every stored series of these rules (`<kind>:<id>`), by rule key and series key. */
export async function readSeriesStates(
  db: Kysely<Database>,
  ruleKeys: readonly string[],
): Promise<Map<string, Map<string, SeriesState>>> {
  const found = new Map<string, Map<string, SeriesState>>();
  if (ruleKeys.length === 0) return found;
  const rows = await db
    .selectFrom('rule_series')
    .selectAll()
    .where('rule_key', 'in', [...ruleKeys])
    .execute();
  for (const row of rows) {
    let series = found.get(row.rule_key);
    if (!series) {
      series = new Map();
      found.set(row.rule_key, series);
    }
    series.set(row.series_key, {
      state: row.state,
      pendingSince: row.pending_since === null ? null : Number(row.pending_since),
      lastValue: row.last_value === null ? null : Number(row.last_value),
      lastSamples: Number(row.last_samples),
      lastEvaluatedAt: Number(row.last_evaluated_at),
      lastNotifiedAt: row.last_notified_at === null ? null : Number(row.last_notified_at),
      incidentId: row.incident_id === null ? null : Number(row.incident_id),
    });
  }
  return found;
}

export async function saveSeriesState(
  db: Kysely<Database>,
  ruleKey: string,
  seriesKey: string,
  state: SeriesState,
): Promise<void> {
  const values = {
    state: state.state,
    pending_since: state.pendingSince,
    last_value: state.lastValue,
    last_samples: state.lastSamples,
    last_evaluated_at: state.lastEvaluatedAt,
    last_notified_at: state.lastNotifiedAt,
    incident_id: state.incidentId,
  };
  // Looked up first: MySQL counts an update that changes nothing as 0 rows.
  const existing = await db
    .selectFrom('rule_series')
    .select('state')
    .where('rule_key', '=', ruleKey)
    .where('series_key', '=', seriesKey)
    .executeTakeFirst();
  if (existing) {
    await db
      .updateTable('rule_series')
      .set(values)
      .where('rule_key', '=', ruleKey)
      .where('series_key', '=', seriesKey)
      .execute();
  } else {
    await db
      .insertInto('rule_series')
      .values({ rule_key: ruleKey, series_key: seriesKey, ...values })
      .execute();
  }
}

/** Forgets every series of a rule (deleted or deactivated: its next evaluation starts from ok). */
export async function deleteSeriesOf(db: Kysely<Database>, ruleKey: string): Promise<void> {
  await db.deleteFrom('rule_series').where('rule_key', '=', ruleKey).execute();
}

/** Whether a series of the rule (`<kind>:<id>`) is firing. */
export async function isFiring(db: Kysely<Database>, ruleKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('rule_series')
    .select('series_key')
    .where('rule_key', '=', ruleKey)
    .where('state', '=', 'firing')
    .executeTakeFirst();
  return row !== undefined;
}
