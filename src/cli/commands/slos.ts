import type { Command } from 'commander';
import type { WindowRule } from '../../rules/kinds/kind.js';
import type { SloRule } from '../../rules/kinds/slo/burn.js';
import { sloStatus } from '../../rules/kinds/slo/reports.js';
import { isFiring } from '../../scan/series-state.js';
import { windowReaderOf } from '../../scan/window-preview.js';
import { print, printJson, renderTable } from '../output.js';
import { withContext } from '../run.js';

const percent = (x: number | null) =>
  x === null ? '-' : `${x.toLocaleString('en-US', { maximumFractionDigits: 3 })} %`;
const rate = (x: number | null) => (x === null ? '-' : `${x.toLocaleString('en-US', { maximumFractionDigits: 2 })}×`);

export function registerSloCommands(program: Command): void {
  program
    .command('check:slos')
    .description(
      'the SLOs (slo rules) over their period ending now: SLI, good and bad logs, budget left, burn rates over 5 min, 30 min, 1 h and 6 h, firing (exact counts from the log source)',
    )
    .option('--app <name>', 'only the SLOs of this app')
    .option('--json', 'print the result as JSON: one status object per SLO (as GET /rules/slo/{id}/status answers)')
    .action((options: { app?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const rules = (await ctx.ruleStores.windowRules('slo').all()).filter(
          (r) => options.app === undefined || r.app_name === options.app,
        ) as WindowRule[] as SloRule[];
        const read = windowReaderOf(await ctx.logSource());
        const now = Date.now();
        const statuses = [];
        for (const rule of rules) {
          const firing = await isFiring(ctx.state.db, `slo:${rule.id}`);
          statuses.push({ ...(await sloStatus({ rule, read, now, firing })), is_active: rule.is_active });
        }
        if (options.json) {
          printJson(statuses);
          return 0;
        }
        print(
          renderTable(
            [
              'id',
              'name',
              'app',
              'key',
              'objective',
              'SLI',
              'good',
              'bad',
              'budget left',
              'burn 5m/30m/1h/6h',
              'firing',
            ],
            statuses.map((s) => [
              s.id,
              s.name,
              s.app_name,
              s.message_key ?? '(all)',
              `${s.objective} % ≤ ${s.threshold_ms} ms / ${s.period_days} d`,
              percent(s.sli_percent),
              s.good,
              s.bad,
              percent(s.budget_remaining_percent),
              Object.values(s.burn_rates).map(rate).join(' / '),
              s.firing ? 'yes' : s.is_active ? 'no' : 'no (inactive)',
            ]),
          ),
        );
        return 0;
      }),
    );
}
