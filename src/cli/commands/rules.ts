import type { Command } from 'commander';
import { CLI_ACTOR } from '../../access/principal.js';
import { RULE_KINDS } from '../../rules/kinds/registry.js';
import { seedSampleRules } from '../../rules/seed.js';
import type { AppRule, MessageRule } from '../../rules/types.js';
import { print, printJson, renderTable } from '../output.js';
import { withContext } from '../run.js';

export function registerRuleCommands(program: Command): void {
  program
    .command('seed:rules')
    .description('create sample app rules, message rules and (inactive) targets; existing ones are kept')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        const result = await seedSampleRules(ctx, CLI_ACTOR);
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
    .description(
      `list the rules of every kind (${RULE_KINDS.map((k) => k.name).join(', ')}; app and message rules with count windows and resolved notifications) and the alert targets`,
    )
    .option('--json', 'print the result as JSON: app_rules, message_rules, <kind>_rules for every other kind, targets')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        const byKind = await Promise.all(RULE_KINDS.map((kind) => kind.store(ctx.ruleStores).all()));
        // Secret addresses (webhook URLs, routing keys) are masked here too.
        const listed = await ctx.targets.list({}, { page: 1, per_page: 500 });
        const targets = { ...listed, items: listed.items.map((t) => ctx.channels.shownTarget(t)) };
        if (options.json) {
          printJson({
            ...Object.fromEntries(RULE_KINDS.map((kind, i) => [`${kind.name}_rules`, byKind[i]])),
            targets: targets.items,
          });
          return 0;
        }
        const yesNo = (b: boolean) => (b ? 'yes' : 'no');
        const noise = (r: AppRule) => [
          r.window_minutes > 0 ? `${r.min_count} in ${r.window_minutes} min` : '-',
          r.notify_resolved ? `after ${r.resolve_after_minutes} min` : 'no',
        ];
        for (const [i, kind] of RULE_KINDS.entries()) {
          const rules = byKind[i] ?? [];
          print(`${i === 0 ? '' : '\n'}${kind.label[0]!.toUpperCase()}${kind.label.slice(1)}s`);
          if (kind.name === 'app' || kind.name === 'message') {
            const withKey = kind.name === 'message';
            print(
              renderTable(
                [
                  'id',
                  'app',
                  ...(withKey ? ['message key'] : []),
                  'max ms',
                  'active',
                  'channels',
                  'cooldown min',
                  'count window',
                  'resolved',
                ],
                (rules as unknown as MessageRule[]).map((r) => [
                  r.id,
                  r.app_name,
                  ...(withKey ? [r.message_key] : []),
                  r.max_duration,
                  yesNo(r.is_active),
                  r.alert_channels.join(','),
                  r.cooldown_minutes,
                  ...noise(r),
                ]),
              ),
            );
            continue;
          }
          print(
            renderTable(
              ['id', 'name', 'app', 'judges', 'active', 'channels', 'reminder min', 'resolved'],
              rules.map((r) => [
                r.id,
                String((r as { name?: string }).name ?? ''),
                r.app_name,
                kind.summary(r),
                yesNo(r.is_active),
                r.alert_channels.join(','),
                r.cooldown_minutes,
                yesNo(r.notify_resolved),
              ]),
            ),
          );
        }
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
