import type { Kysely, Selectable } from 'kysely';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { AuditLogTable, Database } from '../db/schema.js';

export const AUDIT_ACTIONS = ['create', 'update', 'delete'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const AUDIT_ENTITIES = ['rule', 'target', 'silence', 'token'] as const;
export type AuditEntity = (typeof AUDIT_ENTITIES)[number];

/** One change as the caller knows it. */
export interface AuditChange {
  /** Who made it: `token:<name>`, `api_token`, `anonymous`, `telegram:@user`, `cli`, `file:<path>`. */
  actor: string;
  action: AuditAction;
  entity: AuditEntity;
  /** The entity's id as text; a rule's carries its kind: `app:3`, `latency:12`. */
  entity_id: string;
  /** The entity as the API answers it (secrets masked); null on create. */
  before: object | null;
  /** The same after the change; null on delete. */
  after: object | null;
  /**
   * Updates: the secret fields whose stored values differ (compared raw by the store, in the
   * change's transaction), although before and after show them masked, maybe alike.
   */
  changed_secrets?: readonly string[];
  /** Epoch ms; now by default. */
  at?: number;
}

/** One audit row as `GET /audit` answers it. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: AuditAction;
  entity: AuditEntity;
  entity_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Secret fields the change set to another value, neither value shown; [] for the rest (and older rows). */
  changed_secrets: string[];
}

export interface AuditFilter {
  entity?: AuditEntity;
  actor?: string;
  entity_id?: string;
}

const ACTOR_WIDTH = 191;
/**
 * Where a row keeps `changed_secrets`: a key of the stored `after` (no entity has a field
 * starting with `$`), lifted out when read, so that rows from before it read as they did.
 */
const CHANGED_SECRETS_KEY = '$changed_secrets';

/** A rule's entity_id: its kind and id (`message:7`), since ids are unique only within a kind. */
export const ruleEntityId = (kind: string, id: number): string => `${kind}:${id}`;

/**
 * Records one change. Call it with the transaction that makes the change, so that the change
 * and its record commit or roll back together. An update whose before and after differ in
 * nothing but `updated_at`, and that changed no secret, is not a change: nothing is written
 * (answers false).
 */
export async function recordChange(db: Kysely<Database>, change: AuditChange): Promise<boolean> {
  const secrets = change.action === 'update' ? [...new Set(change.changed_secrets ?? [])] : [];
  if (change.action === 'update' && secrets.length === 0 && sameButUpdatedAt(change.before, change.after)) {
    return false;
  }
  const after =
    change.after !== null && secrets.length > 0 ? { ...change.after, [CHANGED_SECRETS_KEY]: secrets } : change.after;
  await db
    .insertInto('audit_log')
    .values({
      at: change.at ?? Date.now(),
      actor: change.actor.slice(0, ACTOR_WIDTH),
      action: change.action,
      entity: change.entity,
      entity_id: change.entity_id,
      before: change.before === null ? null : JSON.stringify(change.before),
      after: after === null ? null : JSON.stringify(after),
    })
    .execute();
  return true;
}

/** Changes newest first, paged, optionally of one entity type (and id) or one actor. */
export async function listChanges(
  db: Kysely<Database>,
  filter: AuditFilter,
  page: PageRequest,
): Promise<Page<AuditEntry>> {
  let query = db.selectFrom('audit_log');
  if (filter.entity !== undefined) query = query.where('entity', '=', filter.entity);
  if (filter.entity_id !== undefined) query = query.where('entity_id', '=', filter.entity_id);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await query.selectAll().orderBy('id', 'desc').limit(page.per_page).offset(offsetOf(page)).execute();
  return { items: rows.map(toEntry), total: Number(total), ...page };
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  const stored = parsed(row.after);
  const { [CHANGED_SECRETS_KEY]: secrets, ...after } = stored ?? {};
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    actor: row.actor,
    action: row.action as AuditAction,
    entity: row.entity as AuditEntity,
    entity_id: row.entity_id,
    before: parsed(row.before),
    after: stored === null ? null : after,
    changed_secrets: Array.isArray(secrets) ? secrets.filter((s): s is string => typeof s === 'string') : [],
  };
}

function parsed(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function sameButUpdatedAt(before: object | null, after: object | null): boolean {
  if (before === null || after === null) return false;
  const { updated_at: _b, ...restBefore } = before as Record<string, unknown>;
  const { updated_at: _a, ...restAfter } = after as Record<string, unknown>;
  return JSON.stringify(restBefore) === JSON.stringify(restAfter);
}
