import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface PollerStatus {
  botId: string;
  nextOffset: number;
  lastOkAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

/**
 * The telegram_offsets table: per bot, the getUpdates offset (the id after the last update
 * handled, so a restart replays nothing) and how the last poll went, for `diagnose`.
 */
export class OffsetStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async status(botId: string): Promise<PollerStatus | undefined> {
    const row = await this.db.selectFrom('telegram_offsets').selectAll().where('bot_id', '=', botId).executeTakeFirst();
    if (!row) return undefined;
    const num = (v: number | null) => (v === null ? null : Number(v));
    return {
      botId,
      nextOffset: Number(row.next_offset),
      lastOkAt: num(row.last_ok_at),
      lastError: row.last_error,
      lastErrorAt: num(row.last_error_at),
    };
  }

  async nextOffset(botId: string): Promise<number | undefined> {
    const status = await this.status(botId);
    return status && status.nextOffset > 0 ? status.nextOffset : undefined;
  }

  /** Moves the offset forward (never back) and records a successful poll. */
  async advance(botId: string, nextOffset: number): Promise<void> {
    const now = this.now();
    await this.upsert(botId, { next_offset: nextOffset, last_ok_at: now, updated_at: now }, nextOffset);
  }

  async recordOk(botId: string): Promise<void> {
    const now = this.now();
    await this.upsert(botId, { last_ok_at: now, updated_at: now });
  }

  async recordError(botId: string, message: string): Promise<void> {
    const now = this.now();
    await this.upsert(botId, { last_error: message.slice(0, 1000), last_error_at: now, updated_at: now });
  }

  private async upsert(
    botId: string,
    values: Partial<{
      next_offset: number;
      last_ok_at: number;
      last_error: string;
      last_error_at: number;
      updated_at: number;
    }>,
    onlyForward?: number,
  ): Promise<void> {
    let update = this.db.updateTable('telegram_offsets').set(values).where('bot_id', '=', botId);
    if (onlyForward !== undefined) update = update.where('next_offset', '<=', onlyForward);
    const updated = await update.executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    const exists = await this.db
      .selectFrom('telegram_offsets')
      .select('bot_id')
      .where('bot_id', '=', botId)
      .executeTakeFirst();
    if (exists) return;
    await this.db
      .insertInto('telegram_offsets')
      .values({ bot_id: botId, next_offset: 0, updated_at: this.now(), ...values })
      .execute();
  }
}
