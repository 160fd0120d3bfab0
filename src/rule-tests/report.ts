import { isoTime } from '../logs/iso-time.js';
import type { FileProblem } from '../rules/file/document.js';
import type { ValueUnit } from '../rules/kinds/kind.js';
import { formatValue } from '../rules/kinds/words.js';
import { type ExpectationFailure, notificationsSent } from './compare.js';
import type { ReplayNotification, ReplayOutcome, ReplayWindowSeries } from './outcome.js';
import { formatRelativeTime } from './relative-time.js';
import type { RuleTestResult, RuleTestRun } from './runner.js';

const quoted = (names: readonly string[]) => `[${names.map((n) => JSON.stringify(n)).join(', ')}]`;

/** "tests.yaml:12:7: tests.0.logs.1.at: must be …", one line per problem. */
export function renderProblems(problems: readonly FileProblem[]): string {
  return problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
}

/**
 * The run for a person: one line per passing test; for a failing one, each expectation with
 * expected and got, then what happened (violations per rule, the window rules' series at the
 * evaluation time, every notification with when and whether it would be sent).
 */
export function renderRun(run: RuleTestRun): string {
  const lines: string[] = [];
  for (const result of run.results) {
    if (result.passed) {
      lines.push(`ok    ${result.name}`);
      continue;
    }
    lines.push(`FAIL  ${result.name}  (${run.file}:${result.position.line})`);
    if (result.error) lines.push(`  the replay failed: ${result.error}`);
    for (const failure of result.failures) lines.push(...failureLines(failure));
    if (result.outcome) lines.push(...happenedLines(result.outcome, run.intervalMs));
  }
  const total = run.results.length;
  lines.push('');
  lines.push(
    run.failed === 0
      ? `${total} ${total === 1 ? 'test' : 'tests'} passed`
      : `${run.failed} of ${total} ${total === 1 ? 'test' : 'tests'} failed`,
  );
  return lines.join('\n');
}

function failureLines(failure: ExpectationFailure): string[] {
  if (failure.expectation !== 'firing') {
    return [`  ${failure.expectation}: expected ${failure.expected}, got ${failure.got}`];
  }
  const lines = [`  firing: expected ${quoted(failure.expected)}, got ${quoted(failure.got)}`];
  if (failure.missing.length > 0) lines.push(`    not firing: ${quoted(failure.missing)}`);
  if (failure.unexpected.length > 0) lines.push(`    firing but not expected: ${quoted(failure.unexpected)}`);
  return lines;
}

function happenedLines(outcome: ReplayOutcome, intervalMs: number): string[] {
  const lines = [
    `  what happened (evaluation time ${isoTime(outcome.evaluationTime)}; ${outcome.scans} ${
      outcome.scans === 1 ? 'scan' : 'scans'
    }, every ${formatRelativeTime(intervalMs).slice(1)}):`,
    `    violations recorded: ${outcome.violations}`,
  ];
  for (const { rule, count } of outcome.violationsByRule) lines.push(`      ${rule}: ${count}`);
  if (outcome.windowSeries.length > 0) {
    lines.push('    window rules at the evaluation time:');
    for (const series of outcome.windowSeries) lines.push(`      ${seriesLine(series)}`);
  }
  const sent = notificationsSent(outcome);
  lines.push(
    `    notifications: ${outcome.notifications.length} queued, ${sent} would be sent${
      outcome.notifications.length > 0 ? ':' : ''
    }`,
  );
  for (const n of outcome.notifications) lines.push(`      ${notificationLine(n)}`);
  return lines;
}

function seriesLine(s: ReplayWindowSeries): string {
  const unit = s.unit as ValueUnit;
  const key = s.message_key === null ? '' : ` (${s.message_key})`;
  const figures = s.judged
    ? `value ${formatValue(s.value, unit)}, threshold ${formatValue(s.threshold, unit)}, ${s.samples} ${
        s.samples === 1 ? 'log' : 'logs'
      }`
    : `not judged (${s.samples} ${s.samples === 1 ? 'log' : 'logs'}: too few)`;
  return `${s.rule}${key}: ${s.state}; ${figures}`;
}

function notificationLine(n: ReplayNotification): string {
  const status =
    n.status === 'pending' ? 'would be sent' : `${n.status}${n.reason ? ` (${n.reason.split('\n')[0]})` : ''}`;
  return `at ${formatRelativeTime(n.atMs)}: ${n.rule}, ${n.event}: ${status}`;
}

/** The run as `--json` prints it (times relative to each test's evaluation time, as the file writes them). */
export function runAsJson(run: RuleTestRun) {
  return {
    file: run.file,
    rules_file: run.rulesFile,
    evaluation_interval: formatRelativeTime(run.intervalMs).slice(1),
    passed: run.passed,
    failed: run.failed,
    tests: run.results.map(resultAsJson),
  };
}

function resultAsJson(result: RuleTestResult) {
  const { outcome } = result;
  return {
    name: result.name,
    line: result.position.line,
    passed: result.passed,
    failures: result.failures,
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(outcome
      ? {
          happened: {
            evaluation_time: isoTime(outcome.evaluationTime),
            scans: outcome.scans,
            violations: outcome.violations,
            violations_by_rule: outcome.violationsByRule,
            firing: outcome.firing,
            notifications: notificationsSent(outcome),
            window_series: outcome.windowSeries,
            queued: outcome.notifications.map(({ atMs, ...n }) => ({ at: formatRelativeTime(atMs), ...n })),
          },
        }
      : {}),
  };
}
