import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CLI_ACTOR } from '../../access/principal.js';
import { parseSilenceDuration } from '../../silences/duration.js';
import { newSilenceFrom } from '../../silences/new-silence.js';
import { SilenceCreate } from '../../silences/schemas.js';
import type { Silence } from '../../silences/types.js';
import { validated } from '../../validation/problems.js';
import { print, printJson, renderTable } from '../output.js';
import { CommandError, withContext } from '../run.js';
import { requireCurrentSchema } from '../schema-check.js';

function cliUser(): string {
  try {
    return `cli:${userInfo().username}`.slice(0, 191);
  } catch {
    return 'cli';
  }
}

const silenceRow = (s: Silence) => [
  s.id,
  s.app_name,
  s.message_key ?? '(whole app)',
  s.starts_at,
  s.ends_at,
  s.active ? 'yes' : 'no',
  s.created_by,
  s.comment ?? '',
];
const HEADERS = ['id', 'app', 'message key', 'starts', 'ends', 'active', 'by', 'comment'];

export function registerSilenceCommands(program: Command): void {
  program
    .command('silence:add')
    .description(
      'hold back the notifications of an app (or one message key) for a while; violations are still recorded',
    )
    .requiredOption('--app <name>', 'the application')
    .option('--key <message-key>', 'only this message key (default: the whole app)')
    .requiredOption('--for <duration>', 'how long: 30m, 2h, 1d (or combined, e.g. 1h30m)')
    .option('--comment <text>', 'why, for the people who wonder')
    .option('--json', 'print the silence as JSON')
    .action((options: { app: string; key?: string; for: string; comment?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const minutes = parseSilenceDuration(options.for);
        if (minutes === undefined) {
          throw new CommandError(`--for: "${options.for}" is not a duration such as 30m, 2h or 1d (at most a year)`);
        }
        const input = validated<SilenceCreate>(SilenceCreate, {
          app_name: options.app,
          ...(options.key !== undefined ? { message_key: options.key } : {}),
          duration_minutes: minutes,
          ...(options.comment !== undefined ? { comment: options.comment } : {}),
          created_by: cliUser(),
        });
        const silence = await ctx.silences.create(newSilenceFrom(input, Date.now(), cliUser()), CLI_ACTOR);
        if (options.json) printJson(silence);
        else
          print(
            `silence ${silence.id}: ${silence.app_name} / ${silence.message_key ?? '(whole app)'} until ${silence.ends_at}`,
          );
        return 0;
      }),
    );

  program
    .command('silence:list')
    .description('list silences, newest first (active ones only unless --all)')
    .option('--all', 'include ended and future silences')
    .option('--app <name>', 'only silences of this app')
    .option('--json', 'print the result as JSON')
    .action((options: { all?: boolean; app?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const page = await ctx.silences.list(
          { active: options.all ? undefined : true, app_name: options.app },
          { page: 1, per_page: 500 },
        );
        if (options.json) printJson({ items: page.items, total: page.total });
        else print(renderTable(HEADERS, page.items.map(silenceRow)));
        return 0;
      }),
    );

  program
    .command('silence:expire')
    .description('end a silence now')
    .argument('<id>', 'the silence id')
    .option('--json', 'print the silence as JSON')
    .action((id: string, options: { json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        if (!/^\d{1,10}$/.test(id) || Number(id) < 1) throw new CommandError(`"${id}" is not a silence id`);
        const silence = await ctx.silences.expire(Number(id), CLI_ACTOR);
        if (options.json) printJson(silence);
        else print(`silence ${silence.id} ended at ${silence.ends_at}`);
        return 0;
      }),
    );
}
