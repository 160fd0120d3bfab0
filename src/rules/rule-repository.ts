import type { Kysely, Selectable, Transaction } from 'kysely';
import { type AuditAction, recordChange, ruleEntityId } from '../audit/audit-log.js';
import { isUniqueViolation } from '../db/errors.js';
import { fromFlag, toFlag } from '../db/flags.js';
import { inTransaction } from '../db/in-transaction.js';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { Database, MessageRuleTable } from '../db/schema.js';
import { ConflictError, NotFoundError, type Problem, ValidationError } from '../validation/problems.js';
import { refuseManagedChange } from './managed.js';
import { RuleListCache } from './rule-list-cache.js';
import type { MessageRuleCreate, MessageRuleUpdate } from './schemas.js';
import {
  type AppRule,
  type ChannelType,
  type MessageRule,
  managedFields,
  type RuleKind,
  type WriteOptions,
} from './types.js';

export interface RuleFilter {
  app_name?: string;
  message_key?: string;
  is_active?: boolean;
}

type RuleFor<K extends RuleKind> = K extends 'message' ? MessageRule : AppRule;
type CreateFor<K extends RuleKind> = K extends 'message' ? MessageRuleCreate : Omit<MessageRuleCreate, 'message_key'>;
type UpdateFor<K extends RuleKind> = K extends 'message' ? MessageRuleUpdate : Omit<MessageRuleUpdate, 'message_key'>;

/**
 * App rules and message rules: the same columns but for message_key, so one repository serves
 * both. Writes bump `onChange` listeners so matchers can refresh their snapshot, and write the
 * table's revision and the audit log row in the change's transaction. Lists are answered from an
 * in-memory copy of the table that is checked against that revision on every call (see
 * RuleListCache); `get` and `all` always read the database.
 */
export class RuleRepository<K extends RuleKind> {
  // Typed as the message table, a superset of the app table: message_key is only touched for
  // kind 'message'.
  private readonly table: 'message_rules';
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Database>,
    readonly kind: K,
    private readonly now: () => number = Date.now,
    private readonly listCache = new RuleListCache<RuleFor<K>>(),
  ) {
    this.table = (kind === 'message' ? 'message_rules' : 'app_rules') as 'message_rules';
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async list(filter: RuleFilter, page: PageRequest): Promise<Page<RuleFor<K>>> {
    const rules = await this.listCache.rows({
      revision: () => this.revision(),
      count: () => this.count(),
      // Frozen: the copy is shared by every request until the next re-read.
      readAll: async () => (await this.all()).map(freezeRule),
    });
    if (rules === undefined) return this.listFromDatabase(filter, page);
    const messageKey = this.kind === 'message' ? filter.message_key : undefined;
    const matching =
      filter.app_name === undefined && messageKey === undefined && filter.is_active === undefined
        ? rules
        : rules.filter(
            (rule) =>
              (filter.app_name === undefined || rule.app_name === filter.app_name) &&
              (messageKey === undefined || (rule as MessageRule).message_key === messageKey) &&
              (filter.is_active === undefined || rule.is_active === filter.is_active),
          );
    const offset = offsetOf(page);
    return { items: matching.slice(offset, offset + page.per_page), total: matching.length, ...page };
  }

  /** The same list read page by page in SQL, for tables too large to hold in memory. */
  private async listFromDatabase(filter: RuleFilter, page: PageRequest): Promise<Page<RuleFor<K>>> {
    let query = this.db.selectFrom(this.table);
    if (filter.app_name !== undefined) query = query.where('app_name', '=', filter.app_name);
    if (filter.message_key !== undefined && this.kind === 'message') {
      query = query.where('message_key', '=', filter.message_key);
    }
    if (filter.is_active !== undefined) query = query.where('is_active', '=', toFlag(filter.is_active));
    const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
    const rows = await query.selectAll().orderBy('id').limit(page.per_page).offset(offsetOf(page)).execute();
    return { items: rows.map((r) => this.toRule(r)), total: Number(total), ...page };
  }

  async all(): Promise<RuleFor<K>[]> {
    const rows = await this.db.selectFrom(this.table).selectAll().orderBy('id').execute();
    return rows.map((r) => this.toRule(r));
  }

  async get(id: number): Promise<RuleFor<K>> {
    return this.existing(this.db, id);
  }

  private async existing(db: Kysely<Database>, id: number): Promise<RuleFor<K>> {
    const row = await db.selectFrom(this.table).selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`${this.kind} rule ${id}`);
    return this.toRule(row);
  }

  private audit(
    trx: Transaction<Database>,
    actor: string,
    action: AuditAction,
    id: number,
    before: RuleFor<K> | null,
    after: RuleFor<K> | null,
  ): Promise<boolean> {
    const entity_id = ruleEntityId(this.kind, id);
    return recordChange(trx, { actor, action, entity: 'rule', entity_id, before, after, at: this.now() });
  }

  /** Creates a rule and records it in the audit log as `actor`'s, in one transaction. */
  async create(input: CreateFor<K>, actor: string, options: WriteOptions = {}): Promise<RuleFor<K>> {
    const now = this.now();
    const values = {
      app_name: input.app_name,
      ...(this.kind === 'message' ? { message_key: (input as MessageRuleCreate).message_key } : {}),
      max_duration: input.max_duration,
      is_active: toFlag(input.is_active ?? PER_LOG_DEFAULTS.is_active),
      alert_channels: JSON.stringify(input.alert_channels),
      cooldown_minutes: input.cooldown_minutes ?? PER_LOG_DEFAULTS.cooldown_minutes,
      min_count: input.min_count ?? PER_LOG_DEFAULTS.min_count,
      window_minutes: input.window_minutes ?? PER_LOG_DEFAULTS.window_minutes,
      notify_resolved: toFlag(input.notify_resolved ?? PER_LOG_DEFAULTS.notify_resolved),
      resolve_after_minutes: input.resolve_after_minutes ?? PER_LOG_DEFAULTS.resolve_after_minutes,
      managed_by: options.managedBy ?? null,
      created_at: now,
      updated_at: now,
    };
    checkCountWindow(values);
    const created = await this.guardUnique(() =>
      this.write(async (trx) => {
        const result = await trx
          .insertInto(this.table)
          .values(values as MessageRuleTable & { id?: never })
          .executeTakeFirstOrThrow();
        const rule =
          result.insertId !== undefined
            ? await this.existing(trx, Number(result.insertId))
            : await this.findByKey(trx, values.app_name, values.message_key);
        await this.audit(trx, actor, 'create', rule.id, null, rule);
        return rule;
      }),
    );
    this.changed();
    return created;
  }

  async update(id: number, patch: UpdateFor<K>, actor: string, options: WriteOptions = {}): Promise<RuleFor<K>> {
    const changes: Partial<Selectable<MessageRuleTable>> = { updated_at: this.now() };
    if (options.managedBy !== undefined) changes.managed_by = options.managedBy;
    if (patch.app_name !== undefined) changes.app_name = patch.app_name;
    if (this.kind === 'message' && (patch as MessageRuleUpdate).message_key !== undefined) {
      changes.message_key = (patch as MessageRuleUpdate).message_key;
    }
    if (patch.max_duration !== undefined) changes.max_duration = patch.max_duration;
    if (patch.is_active !== undefined) changes.is_active = toFlag(patch.is_active);
    if (patch.alert_channels !== undefined) changes.alert_channels = JSON.stringify(patch.alert_channels);
    if (patch.cooldown_minutes !== undefined) changes.cooldown_minutes = patch.cooldown_minutes;
    if (patch.min_count !== undefined) changes.min_count = patch.min_count;
    if (patch.window_minutes !== undefined) changes.window_minutes = patch.window_minutes;
    if (patch.notify_resolved !== undefined) changes.notify_resolved = toFlag(patch.notify_resolved);
    if (patch.resolve_after_minutes !== undefined) changes.resolve_after_minutes = patch.resolve_after_minutes;
    const updated = await this.guardUnique(() =>
      this.write(async (trx) => {
        const before = await this.existing(trx, id);
        refuseManagedChange(before, `${this.kind} rule`, options);
        checkCountWindow({ ...before, ...changes });
        await trx.updateTable(this.table).set(changes).where('id', '=', id).execute();
        const after = await this.existing(trx, id);
        await this.audit(trx, actor, 'update', id, before, after);
        return after;
      }),
    );
    this.changed();
    return updated;
  }

  /** Deletes a rule; one a rules file manages only with `options.managedBy` (the file's own change). */
  async delete(id: number, actor: string, options: WriteOptions = {}): Promise<void> {
    await this.write(async (trx) => {
      const before = await this.existing(trx, id);
      refuseManagedChange(before, `${this.kind} rule`, options);
      await trx.deleteFrom(this.table).where('id', '=', id).execute();
      await this.audit(trx, actor, 'delete', id, before, null);
    });
    this.changed();
  }

  private async revision(): Promise<string> {
    const row = await this.db
      .selectFrom('table_revisions')
      .select('revision')
      .where('table_name', '=', this.table)
      .executeTakeFirst();
    return String(row?.revision);
  }

  private async count(): Promise<number> {
    const row = await this.db
      .selectFrom(this.table)
      .select((eb) => eb.fn.countAll<number>().as('rows'))
      .executeTakeFirstOrThrow();
    return Number(row.rows);
  }

  private async findByKey(db: Kysely<Database>, appName: string, messageKey: string | undefined) {
    let query = db.selectFrom(this.table).selectAll().where('app_name', '=', appName);
    if (messageKey !== undefined) query = query.where('message_key', '=', messageKey);
    return this.toRule(await query.executeTakeFirstOrThrow());
  }

  /**
   * Runs a write and bumps the table's revision in one transaction: the caller's when the
   * repository was made over one (rules as code applies a whole file in one), else its own.
   */
  private write<T>(change: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return inTransaction(this.db, async (trx) => {
      const result = await change(trx);
      await trx
        .updateTable('table_revisions')
        .set((eb) => ({ revision: eb('revision', '+', 1) }))
        .where('table_name', '=', this.table)
        .execute();
      return result;
    });
  }

  private async guardUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          this.kind === 'message'
            ? 'a message rule for this app_name and message_key already exists'
            : 'an app rule for this app_name already exists',
        );
      }
      throw error;
    }
  }

  private changed(): void {
    this.listCache.invalidate();
    for (const listener of this.listeners) listener();
  }

  private toRule(row: Selectable<MessageRuleTable> | Selectable<Database['app_rules']>): RuleFor<K> {
    const rule: AppRule = {
      id: Number(row.id),
      app_name: row.app_name,
      max_duration: Number(row.max_duration),
      is_active: fromFlag(row.is_active),
      alert_channels: JSON.parse(row.alert_channels) as ChannelType[],
      cooldown_minutes: Number(row.cooldown_minutes),
      min_count: Number(row.min_count),
      window_minutes: Number(row.window_minutes),
      notify_resolved: fromFlag(row.notify_resolved),
      resolve_after_minutes: Number(row.resolve_after_minutes),
      ...managedFields(row.managed_by ?? null),
      created_at: new Date(Number(row.created_at)).toISOString(),
      updated_at: new Date(Number(row.updated_at)).toISOString(),
    };
    if (this.kind === 'message') {
      const { id, app_name, ...rest } = rule;
      return { id, app_name, message_key: (row as Selectable<MessageRuleTable>).message_key, ...rest } as RuleFor<K>;
    }
    return rule as RuleFor<K>;
  }
}

/** What an app or message rule is created with when its body leaves a field out. */
export const PER_LOG_DEFAULTS = {
  is_active: true,
  cooldown_minutes: 0,
  min_count: 1,
  window_minutes: 0,
  notify_resolved: false,
  resolve_after_minutes: 10,
} as const;

/** A count of violations needs a window to count them in: min_count > 1 without one is a problem. */
export function countWindowProblems(rule: { min_count: number; window_minutes: number }): Problem[] {
  return rule.min_count > 1 && rule.window_minutes === 0
    ? [{ field: 'window_minutes', message: 'must be at least 1 when min_count is above 1 (the window to count in)' }]
    : [];
}

function checkCountWindow(rule: { min_count: number; window_minutes: number }): void {
  const problems = countWindowProblems(rule);
  if (problems.length > 0) throw new ValidationError(problems);
}

function freezeRule<R extends AppRule>(rule: R): R {
  Object.freeze(rule.alert_channels);
  return Object.freeze(rule);
}
