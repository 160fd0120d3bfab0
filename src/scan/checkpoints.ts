import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface Checkpoint {
  source_key: string;
  cursor: string;
  watermark: number;
  updated_at: number;
}

/** Where each log source's scan stands. Saved inside the batch transaction by the scanner. */
export async function readCheckpoint(db: Kysely<Database>, sourceKey: string): Promise<Checkpoint | undefined> {
  const row = await db.selectFrom('checkpoints').selectAll().where('source_key', '=', sourceKey).executeTakeFirst();
  return row ? { ...row, watermark: Number(row.watermark), updated_at: Number(row.updated_at) } : undefined;
}

export async function listCheckpoints(db: Kysely<Database>): Promise<Checkpoint[]> {
  const rows = await db.selectFrom('checkpoints').selectAll().orderBy('source_key').execute();
  return rows.map((row) => ({ ...row, watermark: Number(row.watermark), updated_at: Number(row.updated_at) }));
}

export async function saveCheckpoint(db: Kysely<Database>, checkpoint: Checkpoint): Promise<void> {
  const updated = await db
    .updateTable('checkpoints')
    .set({ cursor: checkpoint.cursor, watermark: checkpoint.watermark, updated_at: checkpoint.updated_at })
    .where('source_key', '=', checkpoint.source_key)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await db.insertInto('checkpoints').values(checkpoint).execute();
}
