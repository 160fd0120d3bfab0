import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { idColumn } from './id-column.js';
import { textType } from './text-type.js';

/**
 * API tokens (src/access): a name, a scope and the SHA-256 of the secret, never the secret.
 * Revoking keeps the row (revoked_at) so that the list and the audit log can still name it.
 * A `table_revisions` row for the table lets every process tell in one primary-key read whether
 * its in-memory copy of the tokens is still current.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const id = idColumn(driver);
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id.type, id.build)
    .addColumn('name', textType(driver, 'varchar(191)'), (c) => c.notNull())
    .addColumn('scope', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('token_hash', textType(driver, 'varchar(64)'), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_tokens_name_uq').on('api_tokens').column('name').unique().execute();
  await db.schema.createIndex('api_tokens_hash_uq').on('api_tokens').column('token_hash').unique().execute();
  await db
    .insertInto('table_revisions' as never)
    .values({ table_name: 'api_tokens', revision: 0 } as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db
    .deleteFrom('table_revisions' as never)
    .where('table_name' as never, '=', 'api_tokens' as never)
    .execute();
  await db.schema.dropTable('api_tokens').ifExists().execute();
}
