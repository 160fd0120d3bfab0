import type { Command } from 'commander';
import { print, printable, printJson } from '../output.js';
import { reportFailure } from '../run.js';

export function registerRulesTestCommand(program: Command): void {
  program
    .command('rules:test')
    .description(
      'replay the logs of a rule test file against its rules_file in memory (no database or log store is touched, nothing is sent) and check the violations, firing window rules and notifications each test expects; exit 1 when a test fails',
    )
    .argument('<tests.yaml>', 'the test file (README: "Testing rules")')
    .option('--json', 'print every test with its failures and what happened as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      // Loaded here: the other commands need none of the replay's code.
      const { runRuleTests } = await import('../../rule-tests/runner.js');
      const { renderProblems, renderRun, runAsJson } = await import('../../rule-tests/report.js');
      try {
        const result = await runRuleTests(file, { env: process.env });
        if (!result.ok) {
          if (options.json) printJson({ problems: result.problems });
          else process.stderr.write(`${renderProblems(result.problems).split('\n').map(printable).join('\n')}\n`);
          const count = result.problems.length;
          process.stderr.write(`lagwatch: rules:test: ${count} ${count === 1 ? 'problem' : 'problems'}, no test run\n`);
          process.exitCode = 1;
          return;
        }
        const { run } = result;
        if (options.json) printJson(runAsJson(run));
        else print(renderRun(run));
        if (run.failed > 0) {
          process.stderr.write(`lagwatch: ${run.failed} of ${run.results.length} rule tests failed\n`);
          process.exitCode = 1;
        }
      } catch (error) {
        reportFailure(error, undefined);
        process.exitCode = 1;
      }
    });
}
