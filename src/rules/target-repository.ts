import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { fromFlag, toFlag } from '../db/flags.js';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { AlertTargetTable, Database } from '../db/schema.js';
import { ConflictError, NotFoundError, type Problem, ValidationError } from '../validation/problems.js';
import type { TargetCreate, TargetUpdate } from './schemas.js';
import type { AlertTarget, ChannelType } from './types.js';

/**
 * What is wrong with a target's type and address together (an unknown type, an address its
 * channel refuses), or undefined. The channel registry (above this folder) provides it.
 */
export type TargetAddressCheck = (type: ChannelType, externalId: string) => Problem | undefined;

export interface TargetFilter {
  type?: ChannelType;
  is_active?: boolean;
}

export class TargetRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly addressProblem: TargetAddressCheck,
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
    const row = await this.db.selectFrom('alert_targets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`target ${id}`);
    return toTarget(row);
  }

  async create(input: TargetCreate): Promise<AlertTarget> {
    this.checkAddress(input.type, input.external_id);
    const now = this.now();
    await this.guardUnique(() =>
      this.db
        .insertInto('alert_targets')
        .values({
          name: input.name,
          type: input.type,
          external_id: input.external_id,
          is_active: toFlag(input.is_active ?? true),
          created_at: now,
          updated_at: now,
        })
        .execute(),
    );
    const row = await this.db
      .selectFrom('alert_targets')
      .selectAll()
      .where('name', '=', input.name)
      .executeTakeFirstOrThrow();
    return toTarget(row);
  }

  async update(id: number, patch: TargetUpdate): Promise<AlertTarget> {
    const current = await this.get(id);
    const type = patch.type ?? current.type;
    const externalId = patch.external_id ?? current.external_id;
    if (patch.type !== undefined || patch.external_id !== undefined) this.checkAddress(type, externalId);
    const changes: Partial<Selectable<AlertTargetTable>> = { updated_at: this.now() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.type !== undefined) changes.type = patch.type;
    if (patch.external_id !== undefined) changes.external_id = patch.external_id;
    if (patch.is_active !== undefined) changes.is_active = toFlag(patch.is_active);
    await this.guardUnique(() => this.db.updateTable('alert_targets').set(changes).where('id', '=', id).execute());
    return this.get(id);
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

  async delete(id: number): Promise<void> {
    const result = await this.db.deleteFrom('alert_targets').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new NotFoundError(`target ${id}`);
  }

  private checkAddress(type: ChannelType, externalId: string): void {
    const problem = this.addressProblem(type, externalId);
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

function toTarget(row: Selectable<AlertTargetTable>): AlertTarget {
  return {
    id: Number(row.id),
    name: row.name,
    type: row.type,
    external_id: row.external_id,
    is_active: fromFlag(row.is_active),
    created_at: new Date(Number(row.created_at)).toISOString(),
    updated_at: new Date(Number(row.updated_at)).toISOString(),
  };
}
