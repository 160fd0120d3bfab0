import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplayOutcome } from '../../../src/rule-tests/outcome.js';
import { type RuleTestResult, type RuleTestRun, runRuleTests } from '../../../src/rule-tests/runner.js';

/** A folder of rules and test files for `rules:test`, removed by `close`. */
export interface RulesTestFolder {
  dir: string;
  write(name: string, text: string): string;
  close(): void;
}

export function rulesTestFolder(prefix = 'lagwatch-rules-test-'): RulesTestFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a test file in process; fails the calling test on file problems. */
export async function runTests(file: string, now?: number): Promise<RuleTestRun> {
  const result = await runRuleTests(file, { env: {}, now });
  if (!result.ok) throw new Error(`problems: ${JSON.stringify(result.problems, null, 2)}`);
  return result.run;
}

/** The one test's result, with its outcome. */
export function only(run: RuleTestRun): RuleTestResult & { outcome: ReplayOutcome } {
  const [result, ...more] = run.results;
  if (!result || more.length > 0) throw new Error(`expected one test, got ${run.results.length}`);
  if (!result.outcome) throw new Error(`the replay failed: ${result.error}`);
  return result as RuleTestResult & { outcome: ReplayOutcome };
}

/** Each notification as `<at> <event> <status>`. */
export const notificationsOf = (outcome: ReplayOutcome, rule?: string) =>
  outcome.notifications
    .filter((n) => rule === undefined || n.rule === rule)
    .map((n) => `${(n.atMs / 60_000).toString()}m ${n.event} ${n.status}`);
