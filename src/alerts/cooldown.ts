import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface CooldownState {
  /** When the last notification for the rule was queued, epoch ms. */
  lastSentAt: number;
  /** No new notification before this time, epoch ms. */
  until: number;
}

/** True while a rule's last notification keeps the next one back. */
export function isCoolingDown(state: CooldownState | undefined, now: number): boolean {
  return state !== undefined && state.until > now;
}

/**
 * Per-rule cooldowns in wall-clock time. The database store is written inside the batch
 * transaction; the Redis store is written right after it commits (a crash in between can at
 * worst let one notification out early, never lose one).
 */
export interface CooldownStore {
  readonly transactional: boolean;
  get(db: Kysely<Database>, ruleKey: string): Promise<CooldownState | undefined>;
  set(db: Kysely<Database>, ruleKey: string, state: CooldownState): Promise<void>;
}

export class DatabaseCooldowns implements CooldownStore {
  readonly transactional = true;

  async get(db: Kysely<Database>, ruleKey: string): Promise<CooldownState | undefined> {
    const row = await db.selectFrom('cooldowns').selectAll().where('rule_key', '=', ruleKey).executeTakeFirst();
    return row ? { lastSentAt: Number(row.last_sent_at), until: Number(row.until_at) } : undefined;
  }

  async set(db: Kysely<Database>, ruleKey: string, state: CooldownState): Promise<void> {
    const values = { last_sent_at: state.lastSentAt, until_at: state.until };
    const updated = await db.updateTable('cooldowns').set(values).where('rule_key', '=', ruleKey).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      await db
        .insertInto('cooldowns')
        .values({ rule_key: ruleKey, ...values })
        .execute();
    }
  }
}

export class RedisCooldowns implements CooldownStore {
  readonly transactional = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lagwatch:cooldown:',
  ) {}

  async get(_db: Kysely<Database>, ruleKey: string): Promise<CooldownState | undefined> {
    const value = await this.redis.get(this.prefix + ruleKey);
    if (value === null) return undefined;
    const parsed = JSON.parse(value) as CooldownState;
    return { lastSentAt: Number(parsed.lastSentAt), until: Number(parsed.until) };
  }

  async set(_db: Kysely<Database>, ruleKey: string, state: CooldownState): Promise<void> {
    // Kept a day past the cooldown so "since the last alert" can still be counted from it.
    const ttlMs = Math.max(state.until - Date.now(), 0) + 86_400_000;
    await this.redis.set(this.prefix + ruleKey, JSON.stringify(state), 'PX', ttlMs);
  }
}
