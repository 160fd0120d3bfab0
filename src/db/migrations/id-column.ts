import { type ColumnDataType, type ColumnDefinitionBuilder, type Expression, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';

/** An auto-incrementing integer primary key in each dialect's own idiom. */
export function idColumn(driver: DbDriver): {
  type: ColumnDataType | Expression<unknown>;
  build: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
} {
  switch (driver) {
    case 'postgres':
      return { type: 'integer', build: (c) => c.primaryKey().generatedByDefaultAsIdentity() };
    case 'mysql':
      return { type: sql.raw('int unsigned'), build: (c) => c.primaryKey().autoIncrement() };
    case 'sqlite':
      return { type: 'integer', build: (c) => c.primaryKey().autoIncrement() };
  }
}
