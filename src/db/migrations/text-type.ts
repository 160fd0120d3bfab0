import { type RawBuilder, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';

/**
 * A text column type. Lengths keep every index within MySQL/MariaDB's limits for utf8mb4. MySQL
 * compares strings case-insensitively by default; a binary collation makes names compare as on
 * SQLite/PostgreSQL.
 */
export const textType = (driver: DbDriver, type: string): RawBuilder<unknown> =>
  sql.raw(driver === 'mysql' ? `${type} character set utf8mb4 collate utf8mb4_bin` : type);
