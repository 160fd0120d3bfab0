import type { Command } from 'commander';
import { seedSampleRules } from '../../rules/seed.js';
import type { AppRule } from '../../rules/types.js';
import { print, printJson, renderTable } from '../output.js';
import { withContext } from '../run.js';

export function registerRuleCommands(program: Command): void {
  program
    .command('seed:rules')
    .description('create sample app rules, message rules and (inactive) targets; existing ones are kept')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        const result = await seedSampleRules(ctx);
        if (options.json) printJson(result);
        else {
          const { created, existing } = result;
          print(
            `created ${created.app_rules} app rules, ${created.message_rules} message rules, ${created.targets} targets` +
              ` (already there: ${existing.app_rules}, ${existing.message_rules}, ${existing.targets})`,
          );
        }
        return 0;
      }),
    );

  program
    .command('check:rules')
    .description('list app rules, message rules (with count windows and resolved notifications) and alert targets')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        const [appRules, messageRules, targets] = await Promise.all([
          ctx.appRules.all(),
          ctx.messageRules.all(),
          ctx.targets.list({}, { page: 1, per_page: 500 }),
        ]);
        if (options.json) {
          printJson({ app_rules: appRules, message_rules: messageRules, targets: targets.items });
          return 0;
        }
        const yesNo = (b: boolean) => (b ? 'yes' : 'no');
        const noise = (r: AppRule) => [
          r.window_minutes > 0 ? `${r.min_count} in ${r.window_minutes} min` : '-',
          r.notify_resolved ? `after ${r.resolve_after_minutes} min` : 'no',
        ];
        print('App rules');
        print(
          renderTable(
            ['id', 'app', 'max ms', 'active', 'channels', 'cooldown min', 'count window', 'resolved'],
            appRules.map((r) => [
              r.id,
              r.app_name,
              r.max_duration,
              yesNo(r.is_active),
              r.alert_channels.join(','),
              r.cooldown_minutes,
              ...noise(r),
            ]),
          ),
        );
        print('\nMessage rules');
        print(
          renderTable(
            ['id', 'app', 'message key', 'max ms', 'active', 'channels', 'cooldown min', 'count window', 'resolved'],
            messageRules.map((r) => [
              r.id,
              r.app_name,
              r.message_key,
              r.max_duration,
              yesNo(r.is_active),
              r.alert_channels.join(','),
              r.cooldown_minutes,
              ...noise(r),
            ]),
          ),
        );
        print('\nAlert targets');
        print(
          renderTable(
            ['id', 'name', 'type', 'external id', 'active'],
            targets.items.map((t) => [t.id, t.name, t.type, t.external_id, yesNo(t.is_active)]),
          ),
        );
        return 0;
      }),
    );
}
