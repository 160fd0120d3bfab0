import type { FileProblem } from '../rules/file/document.js';
import type { Position } from '../rules/file/positions.js';
import { readRulesFile } from '../rules/file/read.js';
import { kindNamed } from '../rules/kinds/registry.js';
import { compareOutcome, type ExpectationFailure } from './compare.js';
import type { ReplayOutcome } from './outcome.js';
import { replayTest } from './replay.js';
import { replayConfig } from './replay-world.js';
import { readRuleTestFile } from './test-file.js';

export interface RuleTestResult {
  name: string;
  position: Position;
  passed: boolean;
  failures: ExpectationFailure[];
  /** What happened (absent when the replay itself failed: see `error`). */
  outcome?: ReplayOutcome;
  error?: string;
}

export interface RuleTestRun {
  file: string;
  rulesFile: string;
  intervalMs: number;
  results: RuleTestResult[];
  passed: number;
  failed: number;
}

export type RuleTestRunResult = { ok: true; run: RuleTestRun } | { ok: false; problems: FileProblem[] };

export interface RunOptions {
  /** Resolves `${ENV_NAME}` in the rules file. */
  env: Record<string, string | undefined>;
  /** The run's wall-clock time (default now): tests' times are relative to it. */
  now?: number;
}

/**
 * `lagwatch rules:test`: reads the test file and its rules file (any problem in either ends the
 * run, with positions), replays every test in memory and compares what happened with what it
 * expects.
 */
export async function runRuleTests(file: string, options: RunOptions): Promise<RuleTestRunResult> {
  const read = await readRuleTestFile(file, replayConfig().fields);
  if (!read.ok) return read;
  const { suite } = read;
  const rules = await readRulesFile(suite.rulesFile, options.env);
  if (!rules.ok) return { ok: false, problems: rules.problems };

  const windowRuleNames = new Set(
    rules.document.rules
      .filter((rule) => kindNamed(rule.kind)?.family === 'window')
      .map((rule) => rule.body.name)
      .filter((name): name is string => typeof name === 'string'),
  );
  const problems: FileProblem[] = [];
  suite.tests.forEach((test, t) => {
    (test.expect.firing ?? []).forEach((name, i) => {
      if (windowRuleNames.has(name)) return;
      const path = ['tests', t, 'expect', 'firing', i];
      problems.push({
        file: suite.file,
        ...suite.locate(path),
        path: path.join('.'),
        message: `no window rule is named "${name}" in ${suite.rulesFile}${
          windowRuleNames.size > 0 ? ` (its window rules: ${[...windowRuleNames].join(', ')})` : ''
        }`,
      });
    });
  });
  if (problems.length > 0) return { ok: false, problems };

  const now = options.now ?? Date.now();
  const results: RuleTestResult[] = [];
  for (const test of suite.tests) {
    try {
      const outcome = await replayTest({
        test,
        document: rules.document,
        rulesFile: suite.rulesFile,
        intervalMs: suite.intervalMs,
        now,
      });
      const failures = compareOutcome(test.expect, outcome);
      results.push({ name: test.name, position: test.position, passed: failures.length === 0, failures, outcome });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({ name: test.name, position: test.position, passed: false, failures: [], error: message });
    }
  }
  const passed = results.filter((r) => r.passed).length;
  return {
    ok: true,
    run: {
      file: suite.file,
      rulesFile: suite.rulesFile,
      intervalMs: suite.intervalMs,
      results,
      passed,
      failed: results.length - passed,
    },
  };
}
