import type { Kysely, Selectable } from 'kysely';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { Database, IncidentTable } from '../db/schema.js';
import { isoTime } from '../logs/iso-time.js';
import { NotFoundError } from '../validation/problems.js';

/** An incident as the API answers it (times ISO 8601). */
export interface Incident {
  id: number;
  rule_type: string;
  rule_id: number;
  name: string;
  app_name: string;
  message_key: string | null;
  state: 'firing' | 'resolved';
  started_at: string;
  resolved_at: string | null;
  value: number | null;
  peak_value: number | null;
  threshold: number | null;
  baseline_value: number | null;
  unit: string;
  samples: number;
}

export interface IncidentFilter {
  state?: 'firing' | 'resolved';
  rule_type?: string;
  rule_id?: number;
  app_name?: string;
}

export interface NewIncident {
  rule_type: string;
  rule_id: number;
  name: string;
  app_name: string;
  message_key: string | null;
  started_at: number;
  value: number | null;
  threshold: number | null;
  baseline_value: number | null;
  unit: string;
  samples: number;
}

/** The one module that holds the SQL of `incidents`: one row per firing of a window rule's series. */
export async function openIncident(db: Kysely<Database>, incident: NewIncident, now: number): Promise<number> {
  const values = {
    ...incident,
    name: incident.name.slice(0, 191),
    app_name: incident.app_name.slice(0, 191),
    message_key: incident.message_key?.slice(0, 191) ?? null,
    state: 'firing' as const,
    resolved_at: null,
    peak_value: incident.value,
    updated_at: now,
  };
  const result = await db.insertInto('incidents').values(values).executeTakeFirstOrThrow();
  if (result.insertId !== undefined) return Number(result.insertId);
  // PostgreSQL answers no insert id: the newest row of this rule and start is ours (one writer: the scan lease).
  const row = await db
    .selectFrom('incidents')
    .select('id')
    .where('rule_type', '=', incident.rule_type)
    .where('rule_id', '=', incident.rule_id)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A firing incident's latest figures; the peak keeps the highest value. */
export async function updateIncident(
  db: Kysely<Database>,
  id: number,
  figures: { value: number | null; samples: number; threshold: number | null; baseline_value: number | null },
  now: number,
): Promise<void> {
  const row = await db.selectFrom('incidents').select('peak_value').where('id', '=', id).executeTakeFirst();
  if (!row) return;
  const peak =
    figures.value === null ? row.peak_value : Math.max(Number(row.peak_value ?? figures.value), figures.value);
  await db
    .updateTable('incidents')
    .set({ ...figures, peak_value: peak, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function resolveIncident(
  db: Kysely<Database>,
  id: number,
  resolvedAt: number,
  figures: { value?: number | null; samples?: number },
  now: number,
): Promise<void> {
  await db
    .updateTable('incidents')
    .set({ state: 'resolved', resolved_at: resolvedAt, ...figures, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'firing')
    .execute();
}

export async function listIncidents(
  db: Kysely<Database>,
  filter: IncidentFilter,
  page: PageRequest,
): Promise<Page<Incident>> {
  let query = db.selectFrom('incidents');
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  if (filter.rule_type !== undefined) query = query.where('rule_type', '=', filter.rule_type);
  if (filter.rule_id !== undefined) query = query.where('rule_id', '=', filter.rule_id);
  if (filter.app_name !== undefined) query = query.where('app_name', '=', filter.app_name);
  const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await query
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.per_page)
    .offset(offsetOf(page))
    .execute();
  return { items: rows.map(toIncident), total: Number(total), ...page };
}

export async function getIncident(db: Kysely<Database>, id: number): Promise<Incident> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`incident ${id}`);
  return toIncident(row);
}

const numberOrNull = (value: number | null) => (value === null ? null : Number(value));

function toIncident(row: Selectable<IncidentTable>): Incident {
  return {
    id: Number(row.id),
    rule_type: row.rule_type,
    rule_id: Number(row.rule_id),
    name: row.name,
    app_name: row.app_name,
    message_key: row.message_key,
    state: row.state,
    started_at: isoTime(Number(row.started_at)),
    resolved_at: row.resolved_at === null ? null : isoTime(Number(row.resolved_at)),
    value: numberOrNull(row.value),
    peak_value: numberOrNull(row.peak_value),
    threshold: numberOrNull(row.threshold),
    baseline_value: numberOrNull(row.baseline_value),
    unit: row.unit,
    samples: Number(row.samples),
  };
}

/** The firing incidents' ids with their rule (`<kind>:<id>`). */
export async function firingIncidents(db: Kysely<Database>): Promise<{ id: number; ruleKey: string }[]> {
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'rule_type', 'rule_id'])
    .where('state', '=', 'firing')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), ruleKey: `${r.rule_type}:${Number(r.rule_id)}` }));
}
