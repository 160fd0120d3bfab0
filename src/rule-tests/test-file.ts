import { dirname, resolve } from 'node:path';
import type { TSchema } from 'typebox';
import { LineCounter, parseDocument } from 'yaml';
import type { LogFieldNames } from '../config/config.js';
import { extractLog } from '../logs/fields.js';
import type { FileProblem } from '../rules/file/document.js';
import { type Position, positionOf } from '../rules/file/positions.js';
import { readTextOrProblem } from '../rules/file/read.js';
import { type Problem, schemaProblems } from '../validation/problems.js';
import { type PathSegment, segmentsOf } from './path-segments.js';
import { parseDuration, parseRelativeTime } from './relative-time.js';
import {
  EXPECTED_MARK,
  type ExpectationsInput,
  MAX_LOGS_PER_TEST,
  RuleTestFile,
  type RuleTestInput,
  type TestLogInput,
} from './test-file-schema.js';

/** One log of a test, copied `repeat` times, with the test's defaults applied. */
export interface TestLog {
  /** Offset from the evaluation time, ms (<= 0). */
  atMs: number;
  repeat: number;
  /** The log document's fields besides its time. */
  fields: Record<string, unknown>;
}

export interface TestSilence {
  appName: string;
  messageKey: string | null;
  /** Offsets from the evaluation time, ms; null: from long before the replay. */
  fromMs: number | null;
  toMs: number;
  comment: string | null;
}

export interface RuleTestCase {
  name: string;
  /** Where the test starts in the file. */
  position: Position;
  /** The evaluation time's offset from now, ms. */
  atMs: number;
  logs: TestLog[];
  silences: TestSilence[];
  expect: ExpectationsInput;
}

export interface RuleTestSuite {
  /** The test file as given. */
  file: string;
  /** The rules file, resolved against the test file's folder. */
  rulesFile: string;
  /** How often the replay scans and evaluates, ms. */
  intervalMs: number;
  tests: RuleTestCase[];
  /** Where a path of the test file is (for problems found later, e.g. an unknown rule name). */
  locate(path: readonly PathSegment[]): Position;
}

export type SuiteResult = { ok: true; suite: RuleTestSuite } | { ok: false; problems: FileProblem[] };

const DEFAULT_INTERVAL_MS = 60_000;

/**
 * Reads and checks a rule test file: YAML syntax, the file's schema (unknown keys are errors),
 * relative times, and every log against the log document rules ingest applies. Every problem
 * comes with its line and column.
 */
export async function readRuleTestFile(file: string, fields: LogFieldNames): Promise<SuiteResult> {
  const text = await readTextOrProblem(file);
  return typeof text === 'string' ? parseRuleTestFile(file, text, fields) : { ok: false, problems: [text] };
}

/** readRuleTestFile for text already read. */
export function parseRuleTestFile(file: string, text: string, fields: LogFieldNames): SuiteResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file, line, column: col, path: '', message: `YAML: ${error.message.split('\n')[0]}` };
      }),
    };
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const problemAt = (path: readonly PathSegment[], message: string, key = false): FileProblem => {
    const { line, column } = positionOf(doc, lines, path, { atKey: key });
    return { file, line, column, path: path.join('.'), message };
  };

  const shapeProblems = schemaProblems(RuleTestFile, value);
  if (shapeProblems.length > 0) {
    return { ok: false, problems: shapeProblems.flatMap((p) => shapeProblem(p, shapeProblems, problemAt)) };
  }

  const input = value as RuleTestFile;
  const problems: FileProblem[] = [];
  const relative = (path: PathSegment[], raw: unknown, check?: (ms: number) => string | undefined) => {
    const parsed = parseRelativeTime(raw);
    if (!parsed.ok) {
      problems.push(problemAt(path, parsed.reason));
      return 0;
    }
    const wrong = check?.(parsed.ms);
    if (wrong) problems.push(problemAt(path, wrong));
    return parsed.ms;
  };

  let intervalMs = DEFAULT_INTERVAL_MS;
  if (input.evaluation_interval !== undefined) {
    const parsed = parseDuration(input.evaluation_interval);
    if (parsed.ok) intervalMs = parsed.ms;
    else problems.push(problemAt(['evaluation_interval'], parsed.reason));
  }

  const names = new Map<string, number>();
  const tests = input.tests.map((test, t): RuleTestCase => {
    const first = names.get(test.name);
    if (first !== undefined) problems.push(problemAt(['tests', t, 'name'], `is the name of test ${first + 1} too`));
    else names.set(test.name, t);
    const logs = (test.logs ?? []).map((log, l) => testLog(test, log, ['tests', t, 'logs', l]));
    const total = logs.reduce((n, log) => n + log.repeat, 0);
    if (total > MAX_LOGS_PER_TEST) {
      problems.push(problemAt(['tests', t, 'logs'], `holds ${total} logs with repeat; at most ${MAX_LOGS_PER_TEST}`));
    }
    const silences = (test.silences ?? []).map((silence, s): TestSilence => {
      const path: PathSegment[] = ['tests', t, 'silences', s];
      const fromMs = silence.from === undefined ? null : relative([...path, 'from'], silence.from);
      const toMs = relative([...path, 'to'], silence.to, (ms) =>
        fromMs !== null && ms <= fromMs ? 'must be after `from`' : undefined,
      );
      return {
        appName: silence.app_name,
        messageKey: silence.message_key ?? null,
        fromMs,
        toMs,
        comment: silence.comment ?? null,
      };
    });
    return {
      name: test.name,
      position: positionOf(doc, lines, ['tests', t]),
      atMs: test.at === undefined ? 0 : relative(['tests', t, 'at'], test.at),
      logs,
      silences,
      expect: test.expect,
    };
  });

  function testLog(test: RuleTestInput, log: TestLogInput, path: PathSegment[]): TestLog {
    const atMs = relative([...path, 'at'], log.at, (ms) =>
      ms > 0 ? 'a log must be written at or before the evaluation time (0 or a negative offset)' : undefined,
    );
    const { at: _at, repeat, ...own } = log;
    const { repeat: defaultRepeat, ...defaults } = test.defaults ?? {};
    const merged: Record<string, unknown> = { ...defaults, ...own };
    // The checks ingest makes (a negative or out-of-range duration is refused). Test logs use
    // the `default` preset's field names, which the replay's store reads (`fields`).
    const document = { [fields.timestamp]: Date.now() + atMs, ...merged };
    const extracted = extractLog(document, fields, { invalidDuration: 'reject' });
    if (!extracted.ok) {
      const field = Object.keys(merged).find((name) => extracted.reason.startsWith(name));
      const where = field && field in own ? [...path, field] : path;
      problems.push(problemAt(where, `not a valid log: ${extracted.reason}`));
    }
    return { atMs, repeat: repeat ?? defaultRepeat ?? 1, fields: merged };
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    suite: {
      file,
      rulesFile: resolve(dirname(file), input.rules_file),
      intervalMs,
      tests,
      locate: (path) => positionOf(doc, lines, path),
    },
  };
}

type ProblemAt = (path: readonly PathSegment[], message: string, key?: boolean) => FileProblem;

/**
 * A schema problem with its position and a message that says what is expected: an unknown field
 * lists the known ones; a union that failed is one problem saying what it takes (not one per
 * member).
 */
function shapeProblem(problem: Problem, all: readonly Problem[], problemAt: ProblemAt): FileProblem[] {
  const path = segmentsOf(problem.field);
  if (problem.message === 'is not a known field') {
    const known = Object.keys(schemaAt(RuleTestFile, path.slice(0, -1))?.properties ?? {});
    const list = known.length > 0 ? ` (expected one of: ${known.join(', ')})` : '';
    return [problemAt(path, `is not a known field${list}`, true)];
  }
  const expected = schemaAt(RuleTestFile, path)?.[EXPECTED_MARK];
  if (typeof expected === 'string') {
    const first = all.find((p) => p.field === problem.field);
    return first === problem ? [problemAt(path, `must be ${expected}`)] : [];
  }
  return [problemAt(path, problem.message)];
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  [mark: string]: unknown;
}

/** The schema the value at `path` is checked against (object properties and array items only). */
function schemaAt(schema: TSchema, path: readonly PathSegment[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema as SchemaNode;
  for (const segment of path) node = typeof segment === 'number' ? node?.items : node?.properties?.[segment];
  return node;
}
