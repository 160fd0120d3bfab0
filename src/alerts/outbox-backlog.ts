import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface OutboxBacklog {
  /** Notifications waiting for delivery or a retry. */
  pending: number;
  /** When the oldest of them was queued (epoch ms); undefined when none waits. */
  oldestQueuedAt: number | undefined;
}

export async function outboxBacklog(db: Kysely<Database>): Promise<OutboxBacklog> {
  const row = await db
    .selectFrom('alert_log')
    .select((eb) => [eb.fn.countAll<number>().as('pending'), eb.fn.min<number>('created_at').as('oldest')])
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  const pending = Number(row.pending);
  return { pending, oldestQueuedAt: pending > 0 && row.oldest != null ? Number(row.oldest) : undefined };
}
