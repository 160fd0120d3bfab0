import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.js';
import type { Check } from '../diagnose-report.js';
import { print, printJson, renderTable } from '../output.js';

export function registerDiagnoseCommand(program: Command): void {
  program
    .command('diagnose')
    .description(
      'check configuration, database, log source, Redis, live events, Telegram, SMTP, the channels of active targets, checkpoint lag, recent runs, self-monitoring (scans failing, stale scan lease, failing channels) and RULES_FILE (its problems, or changes not applied yet)',
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      let checks: Check[];
      try {
        const config = loadConfig();
        const { diagnose } = await import('../diagnose-report.js');
        checks = await diagnose(config);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        checks = error.problems.map((problem) => ({
          check: 'configuration',
          status: 'fail' as const,
          detail: problem,
        }));
      }
      const broken = checks.filter((c) => c.status === 'fail');
      if (options.json) printJson({ ok: broken.length === 0, checks });
      else
        print(
          renderTable(
            ['check', 'status', 'detail'],
            checks.map((c) => [c.check, c.status.toUpperCase(), c.detail]),
          ),
        );
      if (broken.length > 0) {
        process.stderr.write(`lagwatch: broken: ${broken.map((c) => `${c.check} (${c.detail})`).join('; ')}\n`);
        process.exitCode = 1;
      }
    });
}
