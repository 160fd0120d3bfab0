import type { Kysely, Selectable, Transaction } from 'kysely';
import { type AuditAction, recordChange } from '../audit/audit-log.js';
import type { DbDriver } from '../config/config.js';
import { isUniqueViolation } from '../db/errors.js';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { Database, SilenceTable } from '../db/schema.js';
import { NotFoundError } from '../validation/problems.js';
import type { NewSilence, Silence } from './types.js';

export interface SilenceFilter {
  active?: boolean;
  app_name?: string;
}

/**
 * The silences table: every read and write of it. A silence is active while
 * starts_at <= now < ends_at; expiring one sets ends_at to now. Every lagwatch process reads the
 * same table, so a silence made anywhere is honoured by every scanner at its next batch.
 */
export class SilenceRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly driver: DbDriver,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates a silence and records it in the audit log as `actor`'s, in one transaction; with an
   * `origin_key` already used, answers that silence instead (and records nothing).
   */
  async create(silence: NewSilence, actor: string): Promise<Silence> {
    const values = {
      app_name: silence.app_name,
      message_key: silence.message_key,
      starts_at: silence.starts_at,
      ends_at: silence.ends_at,
      comment: silence.comment,
      created_by: silence.created_by,
      created_at: this.now(),
      origin_key: silence.origin_key ?? null,
    };
    try {
      return await this.db.transaction().execute(async (trx) => {
        if (silence.origin_key !== undefined) {
          const existing = await this.byOrigin(trx, silence.origin_key);
          if (existing) return existing;
        }
        const id =
          this.driver === 'postgres'
            ? (await trx.insertInto('silences').values(values).returning('id').executeTakeFirstOrThrow()).id
            : (await trx.insertInto('silences').values(values).executeTakeFirstOrThrow()).insertId;
        const created = await this.get(Number(id), trx);
        await this.audit(trx, actor, 'create', null, created);
        return created;
      });
    } catch (error) {
      // Two creates with one origin at once: the other one won; answer its silence.
      if (silence.origin_key !== undefined && isUniqueViolation(error)) {
        const existing = await this.byOrigin(this.db, silence.origin_key);
        if (existing) return existing;
      }
      throw error;
    }
  }

  async get(id: number, db: Kysely<Database> = this.db): Promise<Silence> {
    const row = await db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`silence ${id}`);
    return this.toSilence(row);
  }

  /** Newest first. */
  async list(filter: SilenceFilter, page: PageRequest): Promise<Page<Silence>> {
    const now = this.now();
    let query = this.db.selectFrom('silences');
    if (filter.app_name !== undefined) query = query.where('app_name', '=', filter.app_name);
    if (filter.active === true) query = query.where('starts_at', '<=', now).where('ends_at', '>', now);
    if (filter.active === false) {
      query = query.where((eb) => eb.or([eb('starts_at', '>', now), eb('ends_at', '<=', now)]));
    }
    const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
    const rows = await query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.per_page)
      .offset(offsetOf(page))
      .execute();
    return { items: rows.map((r) => this.toSilence(r)), total: Number(total), ...page };
  }

  /**
   * Ends a silence now (one that has not started yet never starts), recorded in the audit log as
   * `actor`'s deletion: it no longer holds anything back, though it is kept, ended. Expiring an
   * ended one changes nothing and records nothing.
   */
  async expire(id: number, actor: string): Promise<Silence> {
    return this.db.transaction().execute(async (trx) => {
      const current = await this.get(id, trx);
      const now = this.now();
      if (Date.parse(current.ends_at) <= now) return current;
      const result = await trx
        .updateTable('silences')
        .set({ ends_at: now, starts_at: Math.min(Date.parse(current.starts_at), now) })
        .where('id', '=', id)
        .where('ends_at', '>', now)
        .executeTakeFirst();
      // Another expire got there first: it recorded the change.
      if (Number(result.numUpdatedRows) > 0) await this.audit(trx, actor, 'delete', current, null);
      return this.get(id, trx);
    });
  }

  private audit(
    trx: Transaction<Database>,
    actor: string,
    action: AuditAction,
    before: Silence | null,
    after: Silence | null,
  ): Promise<boolean> {
    const { id } = (before ?? after) as Silence;
    return recordChange(trx, {
      actor,
      action,
      entity: 'silence',
      entity_id: String(id),
      before,
      after,
      at: this.now(),
    });
  }

  /**
   * The active silence that holds back a notification of this app (and message key: null for
   * an app rule's notification, which only a whole-app silence matches), the longest-lasting
   * one when several match.
   */
  async activeFor(db: Kysely<Database>, appName: string, messageKey: string | null, now: number) {
    let query = db
      .selectFrom('silences')
      .selectAll()
      .where('app_name', '=', appName)
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now);
    query =
      messageKey === null
        ? query.where('message_key', 'is', null)
        : query.where((eb) => eb.or([eb('message_key', 'is', null), eb('message_key', '=', messageKey)]));
    const row = await query.orderBy('ends_at', 'desc').orderBy('id').limit(1).executeTakeFirst();
    return row ? this.toSilence(row) : undefined;
  }

  /** What created a silence (its origin key; null when made through the API, CLI or dashboard); undefined when there is no such silence. */
  async originOf(id: number, db: Kysely<Database> = this.db): Promise<string | null | undefined> {
    const row = await db.selectFrom('silences').select('origin_key').where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : row.origin_key;
  }

  private async byOrigin(db: Kysely<Database>, originKey: string): Promise<Silence | undefined> {
    const row = await db.selectFrom('silences').selectAll().where('origin_key', '=', originKey).executeTakeFirst();
    return row ? this.toSilence(row) : undefined;
  }

  private toSilence(row: Selectable<SilenceTable>): Silence {
    const now = this.now();
    const startsAt = Number(row.starts_at);
    const endsAt = Number(row.ends_at);
    return {
      id: Number(row.id),
      app_name: row.app_name,
      message_key: row.message_key,
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(endsAt).toISOString(),
      comment: row.comment,
      created_by: row.created_by,
      created_at: new Date(Number(row.created_at)).toISOString(),
      active: startsAt <= now && now < endsAt,
    };
  }
}
