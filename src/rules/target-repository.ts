import type { Kysely, Selectable, Transaction } from 'kysely';
import { type AuditAction, recordChange } from '../audit/audit-log.js';
import { isUniqueViolation } from '../db/errors.js';
import { fromFlag, toFlag } from '../db/flags.js';
import { inTransaction } from '../db/in-transaction.js';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { AlertTargetTable, Database } from '../db/schema.js';
import { ConflictError, NotFoundError, type Problem, ValidationError } from '../validation/problems.js';
import { refuseManagedChange } from './managed.js';
import type { TargetCreate, TargetUpdate } from './schemas.js';
import { type AlertTarget, type ChannelType, managedFields, type WriteOptions } from './types.js';

/**
 * What is wrong with a target's type and address together (an unknown type, an address its
 * channel refuses), or undefined. The channel registry (above this folder) provides it.
 */
export type TargetAddressCheck = (type: ChannelType, externalId: string) => Problem | undefined;

/** What the repository needs of the channel registry (above this folder). */
export interface TargetChannelRules {
  targetAddressProblem: TargetAddressCheck;
  /** A target as answers show it: a secret address (webhook URL, routing key) masked. */
  shownTarget(target: AlertTarget): AlertTarget;
}

export interface TargetFilter {
  type?: ChannelType;
  is_active?: boolean;
}

/**
 * The alert_targets table. Each change is recorded in the audit log, in its transaction, with
 * the target as answers show it (secret addresses masked). Made over a transaction, its changes
 * run in that one.
 */
export class TargetRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly channels: TargetChannelRules,
    private readonly now: () => number = Date.now,
  ) {}

  async list(filter: TargetFilter, page: PageRequest): Promise<Page<AlertTarget>> {
    let query = this.db.selectFrom('alert_targets');
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    if (filter.is_active !== undefined) query = query.where('is_active', '=', toFlag(filter.is_active));
    const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
    const rows = await query.selectAll().orderBy('id').limit(page.per_page).offset(offsetOf(page)).execute();
    return { items: rows.map(toTarget), total: Number(total), ...page };
  }

  /** Active targets of the given channel types, for alert fan-out. */
  async activeOfTypes(types: readonly ChannelType[]): Promise<AlertTarget[]> {
    if (types.length === 0) return [];
    const rows = await this.db
      .selectFrom('alert_targets')
      .selectAll()
      .where('is_active', '=', 1)
      .where('type', 'in', [...types])
      .orderBy('id')
      .execute();
    return rows.map(toTarget);
  }

  async get(id: number): Promise<AlertTarget> {
    return existing(this.db, id);
  }

  async create(input: TargetCreate, actor: string, options: WriteOptions = {}): Promise<AlertTarget> {
    this.checkAddress(input.type, input.external_id);
    const now = this.now();
    return this.guardUnique(() =>
      inTransaction(this.db, async (trx) => {
        await trx
          .insertInto('alert_targets')
          .values({
            name: input.name,
            type: input.type,
            external_id: input.external_id,
            is_active: toFlag(input.is_active ?? true),
            managed_by: options.managedBy ?? null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        const row = await trx
          .selectFrom('alert_targets')
          .selectAll()
          .where('name', '=', input.name)
          .executeTakeFirstOrThrow();
        const target = toTarget(row);
        await this.audit(trx, actor, 'create', target.id, null, target);
        return target;
      }),
    );
  }

  async update(id: number, patch: TargetUpdate, actor: string, options: WriteOptions = {}): Promise<AlertTarget> {
    return this.guardUnique(() =>
      inTransaction(this.db, async (trx) => {
        const before = await existing(trx, id);
        refuseManagedChange(before, 'target', options);
        if (patch.type !== undefined || patch.external_id !== undefined) {
          this.checkAddress(patch.type ?? before.type, patch.external_id ?? before.external_id);
        }
        const changes: Partial<Selectable<AlertTargetTable>> = { updated_at: this.now() };
        if (patch.name !== undefined) changes.name = patch.name;
        if (patch.type !== undefined) changes.type = patch.type;
        if (patch.external_id !== undefined) changes.external_id = patch.external_id;
        if (patch.is_active !== undefined) changes.is_active = toFlag(patch.is_active);
        if (options.managedBy !== undefined) changes.managed_by = options.managedBy;
        await trx.updateTable('alert_targets').set(changes).where('id', '=', id).execute();
        const after = await existing(trx, id);
        await this.audit(trx, actor, 'update', id, before, after);
        return after;
      }),
    );
  }

  /**
   * A Telegram group became a supergroup (the Bot API said so on a send): the target keeps its
   * name and settings under the new chat id, without the checks of a user's edit.
   */
  async moveTelegramChat(id: number, newChatId: string): Promise<void> {
    await this.db
      .updateTable('alert_targets')
      .set({ external_id: newChatId, updated_at: this.now() })
      .where('id', '=', id)
      .execute();
  }

  /** Deletes a target; one a rules file manages only with `options.managedBy` (the file's own change). */
  async delete(id: number, actor: string, options: WriteOptions = {}): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const before = await existing(trx, id);
      refuseManagedChange(before, 'target', options);
      await trx.deleteFrom('alert_targets').where('id', '=', id).execute();
      await this.audit(trx, actor, 'delete', id, before, null);
    });
  }

  /**
   * Records a change with the target as answers show it: a secret address never reaches the log.
   * A masked field whose raw value changed is named in `changed_secrets` (compared here, raw,
   * in the change's transaction; no hash of it is kept), so a new webhook URL alone is recorded.
   */
  private audit(
    trx: Transaction<Database>,
    actor: string,
    action: AuditAction,
    id: number,
    before: AlertTarget | null,
    after: AlertTarget | null,
  ): Promise<boolean> {
    const shownBefore = before && this.channels.shownTarget(before);
    const shownAfter = after && this.channels.shownTarget(after);
    return recordChange(trx, {
      actor,
      action,
      entity: 'target',
      entity_id: String(id),
      before: shownBefore,
      after: shownAfter,
      changed_secrets: changedSecrets(before, shownBefore, after, shownAfter),
      at: this.now(),
    });
  }

  private checkAddress(type: ChannelType, externalId: string): void {
    const problem = this.channels.targetAddressProblem(type, externalId);
    if (problem) throw new ValidationError([problem]);
  }

  private async guardUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('a target with this name already exists');
      throw error;
    }
  }
}

/** The fields an answer masks (on either side) whose raw values differ between before and after. */
function changedSecrets(
  before: AlertTarget | null,
  shownBefore: AlertTarget | null,
  after: AlertTarget | null,
  shownAfter: AlertTarget | null,
): string[] {
  if (!before || !shownBefore || !after || !shownAfter) return [];
  const fields = Object.keys(after) as (keyof AlertTarget)[];
  const masked = (field: keyof AlertTarget) =>
    shownBefore[field] !== before[field] || shownAfter[field] !== after[field];
  return fields.filter((field) => masked(field) && before[field] !== after[field]);
}

async function existing(db: Kysely<Database>, id: number): Promise<AlertTarget> {
  const row = await db.selectFrom('alert_targets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`target ${id}`);
  return toTarget(row);
}

function toTarget(row: Selectable<AlertTargetTable>): AlertTarget {
  return {
    id: Number(row.id),
    name: row.name,
    type: row.type,
    external_id: row.external_id,
    is_active: fromFlag(row.is_active),
    ...managedFields(row.managed_by ?? null),
    created_at: new Date(Number(row.created_at)).toISOString(),
    updated_at: new Date(Number(row.updated_at)).toISOString(),
  };
}
