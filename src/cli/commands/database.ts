import type { Command } from 'commander';
import { migrateToLatest, migrationState } from '../../db/migrate.js';
import { print, printJson, renderTable } from '../output.js';
import { CommandError, withContext } from '../run.js';

export function registerDatabaseCommands(program: Command): void {
  program
    .command('migrate')
    .description('create or update the state database schema (safe to run again)')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        const applied = await migrateToLatest(ctx.state);
        if (options.json) printJson({ driver: ctx.state.driver, applied });
        else if (applied.length === 0) print(`${ctx.state.driver}: schema is up to date, nothing applied`);
        else print(`${ctx.state.driver}: applied ${applied.join(', ')}`);
        return 0;
      }),
    );

  program
    .command('check:database')
    .description('connect to the state database and show its driver, version and migration state')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { driver, database, host, port } = ctx.config.db;
        let version: string;
        try {
          version = await ctx.state.serverVersion();
        } catch (error) {
          const where = driver === 'sqlite' ? database : `${host}:${port}/${database}`;
          throw new CommandError(`cannot connect to ${driver} at ${where}: ${(error as Error).message}`);
        }
        const migrations = await migrationState(ctx.state);
        const report = {
          driver,
          database: driver === 'sqlite' ? database : `${host}:${port}/${database}`,
          server_version: version,
          applied: migrations.applied,
          pending: migrations.pending,
          up_to_date: migrations.pending.length === 0,
        };
        if (options.json) printJson(report);
        else {
          print(
            renderTable(
              ['driver', 'database', 'server version', 'applied', 'pending'],
              [[driver, report.database, version, migrations.applied.length, migrations.pending.join(', ') || 'none']],
            ),
          );
        }
        if (!report.up_to_date) {
          throw new CommandError(
            `schema is behind: ${migrations.pending.length} pending migration(s); run \`lagwatch migrate\``,
          );
        }
        return 0;
      }),
    );
}
