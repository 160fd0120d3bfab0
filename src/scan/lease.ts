import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { isGoneHolder } from '../db/holder-id.js';
import type { Database } from '../db/schema.js';

/**
 * A named lock with an expiry, so that two scanners never scan at once and a crashed holder
 * does not block others for longer than the time to live.
 */
export interface Lease {
  /** Takes the lease when free or expired; false when someone else holds it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease; false when it was lost (expired and taken by another). */
  renew(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back, only when still held by this holder. */
  release(name: string, holder: string): Promise<void>;
  /** Who holds it now, if anyone. */
  holder(name: string): Promise<string | undefined>;
  /** Takes the lease from `from` (a holder known to be gone), only while `from` still holds it. */
  takeOver(name: string, from: string, to: string, ttlMs: number): Promise<boolean>;
}

/**
 * acquire, and when another holds the lease: take it over at once if that holder is a process
 * of this host that is gone (kill -9), instead of waiting for its expiry.
 */
export async function acquireOrReclaim(lease: Lease, name: string, holder: string, ttlMs: number): Promise<boolean> {
  if (await lease.acquire(name, holder, ttlMs)) return true;
  const current = await lease.holder(name);
  return current !== undefined && isGoneHolder(current) && (await lease.takeOver(name, current, holder, ttlMs));
}

/** The database fallback: one row per lease, taken with conditional writes. */
export class DatabaseLease implements Lease {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const taken = await this.db
      .updateTable('leases')
      .set({ holder, expires_at: now + ttlMs })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('holder', '=', holder)]))
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) return true;
    try {
      await this.db
        .insertInto('leases')
        .values({ name, holder, expires_at: now + ttlMs })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false; // the row exists and is held by another
      throw error;
    }
  }

  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('leases')
      .set({ expires_at: this.now() + ttlMs })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  async takeOver(name: string, from: string, to: string, ttlMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('leases')
      .set({ holder: to, expires_at: this.now() + ttlMs })
      .where('name', '=', name)
      .where('holder', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async holder(name: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('leases')
      .select(['holder', 'expires_at'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row && Number(row.expires_at) > this.now() ? row.holder : undefined;
  }
}

/**
 * The database leases whose name starts with `prefix`, expired ones included (`holder()` hides
 * those): a row left past its expiry is a holder that stopped without giving it back.
 */
export async function databaseLeaseRows(
  db: Kysely<Database>,
  prefix: string,
): Promise<{ name: string; holder: string; expiresAt: number }[]> {
  // A handful of rows: filtered here rather than with LIKE, whose escaping differs by dialect.
  const rows = await db.selectFrom('leases').select(['name', 'holder', 'expires_at']).execute();
  return rows
    .filter((row) => row.name.startsWith(prefix))
    .map((row) => ({ name: row.name, holder: row.holder, expiresAt: Number(row.expires_at) }));
}

// Compare-and-act scripts: only the holder may extend or delete its lease.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const TAKE_OVER = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Redis: SET NX PX to take, Lua compare-and-delete to release. */
export class RedisLease implements Lease {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lagwatch:lease:',
  ) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const key = this.prefix + name;
    if ((await this.redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK') return true;
    // Re-entrant for the same holder.
    return (await this.redis.eval(RENEW, 1, key, holder, String(ttlMs))) === 1;
  }

  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.prefix + name, holder, String(ttlMs))) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + name, holder);
  }

  async takeOver(name: string, from: string, to: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(TAKE_OVER, 1, this.prefix + name, from, to, String(ttlMs))) === 1;
  }

  async holder(name: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + name)) ?? undefined;
  }
}
