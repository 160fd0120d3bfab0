import type { Kysely, Selectable, Transaction } from 'kysely';
import { recordChange } from '../audit/audit-log.js';
import type { DbDriver } from '../config/config.js';
import { isUniqueViolation } from '../db/errors.js';
import type { ApiTokenTable, Database } from '../db/schema.js';
import { ConflictError, NotFoundError } from '../validation/problems.js';
import type { Scope } from './principal.js';
import type { ApiToken } from './token.js';
import { tokenOutput } from './token-schemas.js';
import { hashTokenSecret, newTokenSecret } from './token-secret.js';

export type { ApiToken } from './token.js';

/** A token with the hash its secret is looked up by (the access check's copy). */
export interface StoredToken extends ApiToken {
  token_hash: string;
}

export interface NewToken {
  name: string;
  scope: Scope;
  expires_at: number | null;
}

const REVISION_ROW = 'api_tokens';

/**
 * The api_tokens table: every read and write of it. Every write bumps the table's revision in
 * the same transaction, so each process's in-memory copy (token-directory.ts) sees it on its next
 * request. `last_used_at` is the exception: it does not bump the revision. Creating and
 * revoking are recorded in the audit log (entity `token`) in the same transaction.
 */
export class TokenRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly driver: DbDriver,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a token; the answer holds its secret, which is never stored nor shown again. */
  async create(token: NewToken, actor: string): Promise<{ token: ApiToken; secret: string }> {
    const secret = newTokenSecret();
    const values = {
      name: token.name,
      scope: token.scope,
      token_hash: hashTokenSecret(secret),
      created_at: this.now(),
      expires_at: token.expires_at,
      last_used_at: null,
      revoked_at: null,
    };
    try {
      const created = await this.write(async (trx) => {
        const id =
          this.driver === 'postgres'
            ? (await trx.insertInto('api_tokens').values(values).returning('id').executeTakeFirstOrThrow()).id
            : (await trx.insertInto('api_tokens').values(values).executeTakeFirstOrThrow()).insertId;
        const after = await this.get(Number(id), trx);
        await this.audit(trx, actor, 'create', null, after);
        return after;
      });
      return { token: created, secret };
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`a token named ${JSON.stringify(token.name)} already exists`);
      throw error;
    }
  }

  async get(id: number, db: Kysely<Database> = this.db): Promise<ApiToken> {
    const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`token ${id}`);
    return publicToken(row);
  }

  /** A token by its id (digits) or its name. */
  async find(idOrName: string): Promise<ApiToken> {
    if (/^\d{1,10}$/.test(idOrName)) {
      const byId = await this.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', Number(idOrName))
        .executeTakeFirst();
      if (byId) return publicToken(byId);
    }
    const byName = await this.db.selectFrom('api_tokens').selectAll().where('name', '=', idOrName).executeTakeFirst();
    if (!byName) throw new NotFoundError(`token ${JSON.stringify(idOrName)}`);
    return publicToken(byName);
  }

  /** Every token, revoked ones too, in id order. */
  async list(): Promise<ApiToken[]> {
    return (await this.readAll()).map(publicToken);
  }

  /** Revokes a token (the row is kept); revoking a revoked token changes nothing. */
  async revoke(id: number, actor: string): Promise<ApiToken> {
    return this.write(async (trx) => {
      const before = await this.get(id, trx);
      if (before.revoked_at !== null) return before;
      await trx.updateTable('api_tokens').set({ revoked_at: this.now() }).where('id', '=', id).execute();
      const after = await this.get(id, trx);
      await this.audit(trx, actor, 'delete', before, after);
      return after;
    });
  }

  /** Changes with every create and revoke, by any process sharing the database. */
  async revision(): Promise<string> {
    const row = await this.db
      .selectFrom('table_revisions')
      .select('revision')
      .where('table_name', '=', REVISION_ROW)
      .executeTakeFirst();
    return String(row?.revision);
  }

  /** Every row with its hash, in id order. */
  async readAll(): Promise<StoredToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
    return rows.map((row) => ({ ...publicToken(row), token_hash: row.token_hash }));
  }

  /** Records use; does not bump the revision (nothing the access check decides on changed). */
  async markUsed(ids: readonly number[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: at })
      .where('id', 'in', [...ids])
      .execute();
  }

  /** The audit record of a change, in its transaction (the token as GET /tokens shows it). */
  private async audit(
    trx: Transaction<Database>,
    actor: string,
    action: 'create' | 'delete',
    before: ApiToken | null,
    after: ApiToken | null,
  ): Promise<void> {
    const at = this.now();
    const view = (token: ApiToken | null) => (token === null ? null : tokenOutput(token, at));
    await recordChange(trx, {
      actor,
      action,
      entity: 'token',
      entity_id: String((after ?? before)?.id),
      before: view(before),
      after: view(after),
      at,
    });
  }

  private write<T>(change: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const result = await change(trx);
      await trx
        .updateTable('table_revisions')
        .set((eb) => ({ revision: eb('revision', '+', 1) }))
        .where('table_name', '=', REVISION_ROW)
        .execute();
      return result;
    });
  }
}

function publicToken(row: Selectable<ApiTokenTable>): ApiToken {
  const time = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: Number(row.id),
    name: row.name,
    scope: row.scope,
    created_at: Number(row.created_at),
    expires_at: time(row.expires_at),
    last_used_at: time(row.last_used_at),
    revoked_at: time(row.revoked_at),
  };
}
