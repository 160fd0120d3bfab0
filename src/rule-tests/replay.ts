import { applyRulesDocument } from '../rules/file/apply.js';
import type { RulesFileResult } from '../rules/file/read.js';
import type { WindowRule } from '../rules/kinds/kind.js';
import { WINDOW_KINDS } from '../rules/kinds/registry.js';
import type { SeriesOutcome } from '../scan/window-evaluation.js';
import { type ReplayOutcome, readOutcome, ruleLabels } from './outcome.js';
import { formatRelativeTime } from './relative-time.js';
import { openReplayWorld, type ReplayWorld } from './replay-world.js';
import type { RuleTestCase } from './test-file.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * A scan at tick t runs 1 ms after it, so that the windows it evaluates, [t + 1 ms − w, t + 1 ms),
 * hold the logs written at t itself: the window "the last 5 minutes" at -0 is (−5m, 0].
 */
export const SCAN_AFTER_TICK_MS = 1;

/**
 * Over this span before the evaluation time the replay scans at every tick; logs older than
 * that are scanned at their own ticks only (a 7-day baseline does not cost 10,080 scans).
 */
export const DENSE_SPAN_MS = 6 * HOUR;

/** A rules file read and checked (see rules/file/read.ts). */
export type RulesDocument = Extract<RulesFileResult, { ok: true }>['document'];

export interface ReplayInput {
  test: RuleTestCase;
  document: RulesDocument;
  /** The rules file (its rules are applied as `file:<path>`'s). */
  rulesFile: string;
  /** Between two scans, ms. */
  intervalMs: number;
  /** The wall-clock time of the run, epoch ms (the evaluation time is relative to it). */
  now: number;
}

/**
 * Replays one test: in a fresh in-memory installation (replay-world.ts), applies the rules,
 * creates the test's silences, then moves a clock tick by tick up to the evaluation time; at
 * each tick the logs written by then are ingested and the real scanner runs (per-log judging,
 * count windows, silences, cooldowns, the window rules' evaluation and state machines), as
 * `start`'s scheduler would. Nothing is sent: notifications stay queued in the alert log.
 */
export async function replayTest(input: ReplayInput): Promise<ReplayOutcome> {
  const { test } = input;
  const evaluationTime = Math.floor(input.now / MINUTE) * MINUTE + test.atMs;
  const world = await openReplayWorld();
  try {
    world.clock.now = evaluationTime;
    await applyRulesDocument(world.state.db, input.document, {
      file: input.rulesFile,
      prune: false,
      dryRun: false,
      now: () => world.clock.now,
    });
    await createSilences(world, test, evaluationTime);
    const logs = documentsOf(test, evaluationTime, world.config.fields.timestamp);
    const ticks = replayTicks({
      evaluationTime,
      intervalMs: input.intervalMs,
      logTimes: logs.map((l) => l.time),
      leadMs: (await longestPending(world)) * MINUTE,
    });
    let next = 0;
    let lastSeries: SeriesOutcome[] = [];
    for (const tick of ticks) {
      world.clock.now = tick + SCAN_AFTER_TICK_MS;
      let end = next;
      while (end < logs.length && (logs[end]?.time ?? Number.POSITIVE_INFINITY) <= tick) end++;
      if (end > next) ingest(world, logs.slice(next, end));
      next = end;
      const report = await world.scanner.run();
      if (report.status !== 'success') {
        throw new Error(
          `the scan at ${formatRelativeTime(tick - evaluationTime)} ${report.status}: ${report.error ?? 'no reason given'}`,
        );
      }
      lastSeries = report.windowSeries ?? [];
    }
    return await readOutcome(world.state, {
      labels: await ruleLabels(world.ruleStores),
      evaluationTime,
      evaluationClock: evaluationTime + SCAN_AFTER_TICK_MS,
      scans: ticks.length,
      lastSeries,
    });
  } finally {
    await world.close();
  }
}

interface TimedDocument {
  time: number;
  doc: Record<string, unknown>;
}

/** The test's logs as log documents, `repeat` copies each, oldest first (stable). */
function documentsOf(test: RuleTestCase, evaluationTime: number, timestampField: string): TimedDocument[] {
  const docs: TimedDocument[] = [];
  for (const log of test.logs) {
    const time = evaluationTime + log.atMs;
    const doc = { [timestampField]: new Date(time).toISOString(), ...log.fields };
    for (let i = 0; i < log.repeat; i++) docs.push({ time, doc });
  }
  return docs.sort((a, b) => a.time - b.time);
}

function ingest(world: ReplayWorld, logs: readonly TimedDocument[]): void {
  const result = world.store.ingestDocuments(logs.map((l) => l.doc));
  if (result.rejected > 0) {
    throw new Error(`a test log was refused by the log store: ${result.errors[0]?.reason ?? 'no reason given'}`);
  }
}

async function createSilences(world: ReplayWorld, test: RuleTestCase, evaluationTime: number): Promise<void> {
  for (const silence of test.silences) {
    await world.silences.create(
      {
        app_name: silence.appName,
        message_key: silence.messageKey,
        starts_at: silence.fromMs === null ? 0 : evaluationTime + silence.fromMs,
        ends_at: evaluationTime + silence.toMs,
        comment: silence.comment,
        created_by: 'rules:test',
      },
      'rules:test',
    );
  }
}

/** The longest pending time (minutes) of the window rules: the replay starts at least that early. */
async function longestPending(world: ReplayWorld): Promise<number> {
  let longest = 0;
  for (const kind of WINDOW_KINDS) {
    for (const rule of await world.ruleStores.windowRules(kind.name).all()) {
      longest = Math.max(longest, kind.pendingMinutes(rule as WindowRule));
    }
  }
  return longest;
}

export interface TickPlan {
  evaluationTime: number;
  intervalMs: number;
  logTimes: readonly number[];
  /** How long before the evaluation time the replay starts at the latest. */
  leadMs: number;
  denseSpanMs?: number;
}

/**
 * The times the replay scans at, oldest first, on the grid of `intervalMs` ending at the
 * evaluation time: every tick from the first log within `denseSpanMs` (or from `leadMs` before
 * the evaluation time, when earlier), and before that only the ticks at which older logs
 * arrive (the first tick at or after each).
 */
export function replayTicks(plan: TickPlan): number[] {
  const { evaluationTime: end, intervalMs } = plan;
  const stepsBack = (time: number) => Math.max(0, Math.floor((end - time) / intervalMs));
  const denseSteps = Math.floor((plan.denseSpanMs ?? DENSE_SPAN_MS) / intervalMs);
  let firstSteps = Math.min(Math.ceil(plan.leadMs / intervalMs), denseSteps);
  const sparse = new Set<number>();
  for (const time of plan.logTimes) {
    const steps = stepsBack(time);
    if (steps > denseSteps) sparse.add(steps);
    else firstSteps = Math.max(firstSteps, steps);
  }
  const ticks = [...sparse].sort((a, b) => b - a).map((steps) => end - steps * intervalMs);
  for (let steps = firstSteps; steps >= 0; steps--) ticks.push(end - steps * intervalMs);
  return ticks;
}
