import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { applyRulesDocument } from '../../rules/file/apply.js';
import { type FileProblem, formatProblem, type RulesDocument } from '../../rules/file/document.js';
import { exportRules, exportYaml } from '../../rules/file/export.js';
import { rulesFileJsonSchema } from '../../rules/file/json-schema.js';
import { planLines } from '../../rules/file/plan-text.js';
import { readRulesFile } from '../../rules/file/read.js';
import { RULE_KINDS } from '../../rules/kinds/registry.js';
import { print, printJson } from '../output.js';
import { CommandError, reportFailure, withContext } from '../run.js';
import { requireCurrentSchema } from '../schema-check.js';

const KINDS = RULE_KINDS.map((k) => k.name).join(', ');

/** Reads and checks a rules file; on problems prints them (one per line, or JSON) and fails. */
async function checkedDocument(file: string, json: boolean): Promise<RulesDocument> {
  const result = await readRulesFile(file);
  if (result.ok) return result.document;
  printProblems(file, result.problems, json);
  throw new CommandError(`${file}: ${countOf(result.problems.length, 'problem')}; nothing applied`);
}

function printProblems(file: string, problems: FileProblem[], json: boolean): void {
  if (json) printJson({ file, valid: problems.length === 0, problems });
  else for (const problem of problems) print(formatProblem(problem));
}

const countOf = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function registerRulesFileCommands(program: Command): void {
  program
    .command('rules:schema')
    .description(
      `print the JSON Schema (draft 2020-12) of a rules file, for editors: rules of every kind (${KINDS}) and targets, from the API's own schemas`,
    )
    .action(() => {
      printJson(rulesFileJsonSchema());
    });

  program
    .command('rules:validate')
    .description(
      `check a rules file as the API checks its bodies, touching no database: every problem as file:line:column: path: message; \${NAME} in a string is taken from the environment; exit 1 when any`,
    )
    .argument('<file>', 'the rules file (YAML)')
    .option('--json', 'print {file, valid, problems: [{file, line, column, path, message}]}')
    .action(async (file: string, options: { json?: boolean }) => {
      try {
        const result = await readRulesFile(file);
        const problems = result.ok ? [] : result.problems;
        if (options.json) printJson({ file, valid: result.ok, problems });
        else if (result.ok) {
          print(
            `${file}: valid (${countOf(result.document.rules.length, 'rule')}, ${countOf(result.document.targets.length, 'target')})`,
          );
        } else printProblems(file, problems, false);
        if (!result.ok) process.stderr.write(`lagwatch: ${file}: ${countOf(problems.length, 'problem')}\n`);
        process.exitCode = result.ok ? 0 : 1;
      } catch (error) {
        reportFailure(error, undefined);
        process.exitCode = 1;
      }
    });

  program
    .command('rules:diff')
    .description(
      'what `rules:apply <file>` would change: rules and targets to create, update (field by field; a changed secret address as "external_id changed (hidden)") and delete (with --prune); writes nothing',
    )
    .argument('<file>', 'the rules file (YAML)')
    .option('--prune', 'also list the stored rules and targets the file lacks as deletes')
    .option('--json', 'print the plan as JSON: creates, updates (with changes), deletes, unchanged, releases, kept')
    .action((file: string, options: { prune?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const document = await checkedDocument(file, options.json === true);
        const plan = await applyRulesDocument(ctx.state.db, document, {
          file,
          prune: options.prune === true,
          dryRun: true,
        });
        if (options.json) printJson(plan);
        else print(planLines(plan, false).join('\n'));
        return 0;
      }),
    );

  program
    .command('rules:apply')
    .description(
      'make the stored rules and targets what a rules file says, in one transaction: idempotent (unchanged ones are not written), audited as file:<absolute path of the file>; natural keys: app rules by app, message rules by (app, key), other kinds by name, targets by (type, name)',
    )
    .argument('<file>', 'the rules file (YAML)')
    .option('--prune', 'delete the stored rules and targets the file lacks (without it they stay)')
    .option('--dry-run', 'print the plan and write nothing')
    .option('--json', 'print the plan as JSON')
    .action((file: string, options: { prune?: boolean; dryRun?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const document = await checkedDocument(file, options.json === true);
        const dryRun = options.dryRun === true;
        const plan = await applyRulesDocument(ctx.state.db, document, { file, prune: options.prune === true, dryRun });
        if (options.json) printJson(plan);
        else print(planLines(plan, !dryRun).join('\n'));
        return 0;
      }),
    );

  program
    .command('rules:export')
    .description(
      `print today's rules of every kind and targets as a rules file (YAML) that re-applies with no difference; secret target addresses (webhook URLs, routing keys) as \${LAGWATCH_TARGET_<NAME>_EXTERNAL_ID} references unless --with-secrets`,
    )
    .option('--output <file>', 'write the file there instead of printing it')
    .option('--with-secrets', 'write secret addresses as they are (keep such a file out of git)')
    .option('--json', 'the same document as JSON (a JSON file is a YAML file too)')
    .action((options: { output?: string; withSecrets?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const exported = await exportRules(ctx.state.db, { withSecrets: options.withSecrets === true });
        const text = options.json ? `${JSON.stringify(exported.document, null, 2)}\n` : exportYaml(exported);
        if (options.output === undefined) {
          process.stdout.write(text);
        } else {
          await writeFile(options.output, text);
          const { rules, targets } = exported.document;
          print(`wrote ${countOf(rules.length, 'rule')} and ${countOf(targets.length, 'target')} to ${options.output}`);
        }
        for (const secret of exported.secrets) {
          process.stderr.write(
            `lagwatch: target "${secret.target}" (${secret.type}): its address is \${${secret.variable}}; set that variable when applying\n`,
          );
        }
        return 0;
      }),
    );
}
