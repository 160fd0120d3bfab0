import type { Kysely, Selectable, Transaction } from 'kysely';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { type AuditAction, recordChange, ruleEntityId } from '../audit/audit-log.js';
import { isUniqueViolation } from '../db/errors.js';
import { fromFlag, toFlag } from '../db/flags.js';
import { inTransaction } from '../db/in-transaction.js';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { Database, WindowRuleTable } from '../db/schema.js';
import { ConflictError, NotFoundError, type Problem, ValidationError, validated } from '../validation/problems.js';
import { refuseManagedChange } from './managed.js';
import { type ChannelType, type Managed, managedFields, type WriteOptions } from './types.js';

/** What the repository needs of a window kind (kinds/kind.ts WindowKindModule has it all). */
export interface WindowKindCodec {
  readonly name: string;
  readonly label: string;
  readonly createSchema: TSchema;
  readonly definitionSchema: TSchema;
  definitionOf(input: Record<string, unknown>): Record<string, unknown>;
  check(rule: Record<string, unknown>): Problem[];
}

/** A stored window rule: the shared columns and its definition's fields, flat. */
export interface StoredWindowRule extends Managed {
  id: number;
  kind: string;
  name: string;
  app_name: string;
  message_key: string | null;
  is_active: boolean;
  alert_channels: ChannelType[];
  cooldown_minutes: number;
  notify_resolved: boolean;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

export interface WindowRuleFilter {
  app_name?: string;
  message_key?: string;
  is_active?: boolean;
}

const SHARED = [
  'name',
  'app_name',
  'message_key',
  'is_active',
  'alert_channels',
  'cooldown_minutes',
  'notify_resolved',
];

/**
 * The one module that holds the SQL of `window_rules`: the rules of every window kind (one
 * repository per kind over the one table). The kind's own fields are one JSON column, checked
 * against the kind's schema on the way in (with its cross-field checks) and on the way out.
 * Names are unique across the table (409 on a duplicate).
 */
export class WindowRuleRepository {
  constructor(
    private readonly db: Kysely<Database>,
    readonly codec: WindowKindCodec,
    private readonly now: () => number = Date.now,
  ) {}

  async list(filter: WindowRuleFilter, page: PageRequest): Promise<Page<StoredWindowRule>> {
    let query = this.db.selectFrom('window_rules').where('kind', '=', this.codec.name);
    if (filter.app_name !== undefined) query = query.where('app_name', '=', filter.app_name);
    if (filter.message_key !== undefined) query = query.where('message_key', '=', filter.message_key);
    if (filter.is_active !== undefined) query = query.where('is_active', '=', toFlag(filter.is_active));
    const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
    const rows = await query.selectAll().orderBy('id').limit(page.per_page).offset(offsetOf(page)).execute();
    return { items: rows.map((r) => this.toRule(r)), total: Number(total), ...page };
  }

  async all(): Promise<StoredWindowRule[]> {
    const rows = await this.db
      .selectFrom('window_rules')
      .selectAll()
      .where('kind', '=', this.codec.name)
      .orderBy('id')
      .execute();
    return rows.map((r) => this.toRule(r));
  }

  async get(id: number): Promise<StoredWindowRule> {
    return this.existing(this.db, id);
  }

  /** Creates a rule and records it in the audit log as `actor`'s, in one transaction. */
  async create(input: unknown, actor: string, options: WriteOptions = {}): Promise<StoredWindowRule> {
    const values = { ...this.toColumns(this.normalize(input)), managed_by: options.managedBy ?? null };
    const now = this.now();
    return this.write(async (trx) => {
      const result = await trx
        .insertInto('window_rules')
        .values({ ...values, created_at: now, updated_at: now })
        .executeTakeFirstOrThrow();
      const id =
        result.insertId !== undefined
          ? Number(result.insertId)
          : Number(
              (
                await trx
                  .selectFrom('window_rules')
                  .select('id')
                  .where('name', '=', values.name)
                  .executeTakeFirstOrThrow()
              ).id,
            );
      const rule = await this.existing(trx, id);
      await this.audit(trx, actor, 'create', id, null, rule);
      return rule;
    });
  }

  /** Changes the fields given; `null` clears an optional one. The whole rule is checked again. */
  async update(id: number, patch: unknown, actor: string, options: WriteOptions = {}): Promise<StoredWindowRule> {
    return this.write(async (trx) => {
      const before = await this.existing(trx, id);
      refuseManagedChange(before, this.codec.label, options);
      const merged: Record<string, unknown> = { ...this.inputOf(before) };
      for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
        if (value === null && key !== 'message_key') delete merged[key];
        else merged[key] = value;
      }
      const values = this.toColumns(this.normalize(merged));
      const managed = options.managedBy === undefined ? {} : { managed_by: options.managedBy };
      await trx
        .updateTable('window_rules')
        .set({ ...values, ...managed, updated_at: this.now() })
        .where('id', '=', id)
        .where('kind', '=', this.codec.name)
        .execute();
      const after = await this.existing(trx, id);
      await this.audit(trx, actor, 'update', id, before, after);
      return after;
    });
  }

  /** Deletes a rule; one a rules file manages only with `options.managedBy` (the file's own change). */
  async delete(id: number, actor: string, options: WriteOptions = {}): Promise<void> {
    await this.write(async (trx) => {
      const before = await this.existing(trx, id);
      refuseManagedChange(before, this.codec.label, options);
      await trx.deleteFrom('window_rules').where('id', '=', id).where('kind', '=', this.codec.name).execute();
      await this.audit(trx, actor, 'delete', id, before, null);
    });
  }

  private async existing(db: Kysely<Database>, id: number): Promise<StoredWindowRule> {
    const row = await db
      .selectFrom('window_rules')
      .selectAll()
      .where('kind', '=', this.codec.name)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`${this.codec.label} ${id}`);
    return this.toRule(row);
  }

  private audit(
    trx: Transaction<Database>,
    actor: string,
    action: AuditAction,
    id: number,
    before: StoredWindowRule | null,
    after: StoredWindowRule | null,
  ): Promise<boolean> {
    const entity_id = ruleEntityId(this.codec.name, id);
    return recordChange(trx, { actor, action, entity: 'rule', entity_id, before, after, at: this.now() });
  }

  normalize(input: unknown): Record<string, unknown> {
    return normalizeWindowRule(this.codec, input);
  }
  private toColumns(
    rule: Record<string, unknown>,
  ): Omit<WindowRuleTable, 'id' | 'managed_by' | 'created_at' | 'updated_at'> {
    const definition: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rule)) if (!SHARED.includes(key)) definition[key] = value;
    return {
      kind: this.codec.name,
      name: rule.name as string,
      app_name: rule.app_name as string,
      message_key: (rule.message_key as string | null) ?? null,
      is_active: toFlag(rule.is_active as boolean),
      alert_channels: JSON.stringify(rule.alert_channels),
      cooldown_minutes: rule.cooldown_minutes as number,
      notify_resolved: toFlag(rule.notify_resolved as boolean),
      definition: JSON.stringify(definition),
    };
  }

  /** A stored rule as a body again (for updates): its fields without id, kind and times. */
  private inputOf(rule: StoredWindowRule): Record<string, unknown> {
    const { id: _id, kind: _kind, created_at: _c, updated_at: _u, managed_by: _m, managed_file: _f, ...rest } = rule;
    return stripNulls(rest) as Record<string, unknown>;
  }

  private toRule(row: Selectable<WindowRuleTable>): StoredWindowRule {
    let definition: Record<string, unknown> = {};
    try {
      definition = JSON.parse(row.definition) as Record<string, unknown>;
    } catch {
      // unreadable: fails the schema check below
    }
    const valid = Value.Check(this.codec.definitionSchema, definition);
    return {
      id: Number(row.id),
      kind: row.kind,
      name: row.name,
      app_name: row.app_name,
      message_key: row.message_key ?? null,
      is_active: fromFlag(row.is_active),
      alert_channels: JSON.parse(row.alert_channels) as ChannelType[],
      cooldown_minutes: Number(row.cooldown_minutes),
      notify_resolved: fromFlag(row.notify_resolved),
      ...(valid ? definition : {}),
      ...(valid ? {} : { definition_invalid: true }),
      ...managedFields(row.managed_by ?? null),
      created_at: new Date(Number(row.created_at)).toISOString(),
      updated_at: new Date(Number(row.updated_at)).toISOString(),
    };
  }

  /**
   * Runs a write and bumps the table's revision in one transaction (with the change's audit row):
   * the caller's when the repository was made over one, else its own. A duplicate name is a
   * conflict.
   */
  private async write<T>(change: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.db, async (trx) => {
        const result = await change(trx);
        await trx
          .updateTable('table_revisions')
          .set((eb) => ({ revision: eb('revision', '+', 1) }))
          .where('table_name', '=', 'window_rules')
          .execute();
        return result;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('a rule with this name already exists');
      throw error;
    }
  }
}

/** A body checked and completed: the shared fields with their defaults and the kind's definition. */
export function normalizeWindowRule(
  codec: WindowKindCodec,
  input: unknown,
  schema: TSchema = codec.createSchema,
): Record<string, unknown> {
  const body = validated<Record<string, unknown>>(schema, stripNulls(input));
  const rule: Record<string, unknown> = {
    name: body.name,
    app_name: body.app_name,
    message_key: body.message_key ?? null,
    is_active: body.is_active ?? true,
    alert_channels: body.alert_channels,
    cooldown_minutes: body.cooldown_minutes ?? 0,
    notify_resolved: body.notify_resolved ?? true,
    ...codec.definitionOf(body),
  };
  const problems = codec.check(rule);
  if (problems.length > 0) throw new ValidationError(problems);
  return rule;
}

/** Drops null-valued fields (a stored definition's absent options, or an update clearing one). */
function stripNulls(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (value !== null) out[key] = value;
  return out;
}
