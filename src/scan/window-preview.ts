import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LogSource } from '../logs/source.js';
import type { WindowStatsReader } from '../logs/window-stats.js';
import type { WindowKindModule, WindowRule } from '../rules/kinds/kind.js';
import { readCheckpoint } from './checkpoints.js';
import type { Incident } from './incidents.js';
import { findingsOf } from './window-evaluation.js';

/**
 * The end of the log time the scans have covered, as an evaluation now would use it: the
 * embedded store's scans read every committed log, so now; otherwise the checkpoint's
 * watermark (now − SCAN_LAG_SECONDS before the first scan).
 */
export async function coveredUntil(
  source: LogSource,
  db: Kysely<Database>,
  now: number,
  lagSeconds: number,
): Promise<number> {
  if (source.kind === 'embedded') return now;
  return (await readCheckpoint(db, source.key))?.watermark ?? now - lagSeconds * 1000;
}

/** The source's window statistics as a reader. */
export function windowReaderOf(source: LogSource): WindowStatsReader {
  return (queries) => source.windowStats(queries);
}

export interface PreviewSeries {
  message_key: string | null;
  value: number | null;
  samples: number;
  threshold: number | null;
  baseline_value: number | null;
  judged: boolean;
  condition_holds: boolean;
}

export interface RulePreview {
  window_from: string;
  window_to: string;
  statistic: string;
  unit: string;
  series: PreviewSeries[];
  /** Whether the condition holds for some series now (with pending_minutes it would start pending). */
  would_fire: boolean;
}

/** What an (unsaved) window rule would see right now. */
export async function previewWindowRule(
  kind: WindowKindModule,
  rule: WindowRule,
  read: WindowStatsReader,
  end: number,
): Promise<RulePreview> {
  const [findings = []] = await findingsOf(read, [{ kind, rule }], end);
  const from = findings[0]?.windowFrom ?? kind.queries(rule, end)[0]?.range.from ?? end;
  return {
    window_from: new Date(from).toISOString(),
    window_to: new Date(end).toISOString(),
    statistic: findings[0]?.statistic ?? String(rule.statistic ?? 'logs'),
    unit: findings[0]?.unit ?? (kind.name === 'absence' ? 'logs' : 'ms'),
    series: findings.map((f) => ({
      message_key: f.messageKey,
      value: f.value,
      samples: f.samples,
      threshold: f.threshold,
      baseline_value: f.baselineValue,
      judged: f.judged,
      condition_holds: f.holds,
    })),
    would_fire: findings.some((f) => f.holds),
  };
}

const HOUR = 3_600_000;
const MAX_POINTS = 240;

export interface ChartPoint {
  t: string;
  value: number | null;
  samples: number;
}

/**
 * An incident's statistic over the incident and the hour before, one point per bucket of the
 * rule's window (wider when that would make more than MAX_POINTS), each point the bucket
 * ending at `t`.
 */
export async function incidentSeries(
  kind: WindowKindModule,
  rule: WindowRule,
  incident: Incident,
  read: WindowStatsReader,
  until: number,
): Promise<ChartPoint[]> {
  const from = Date.parse(incident.started_at) - HOUR;
  const to = incident.resolved_at === null ? until : Date.parse(incident.resolved_at);
  const span = Math.max(to - from, 60_000);
  let step = kind.chartStepMs(rule);
  if (span / step > MAX_POINTS) step = Math.ceil(span / MAX_POINTS / 60_000) * 60_000;
  const ends: number[] = [];
  for (let t = from + step; t < to + step; t += step) ends.push(t);
  const answers = await read(ends.map((t) => kind.chartQuery(rule, incident.message_key, { from: t - step, to: t })));
  return ends.map((t, i) => {
    const series = answers[i]?.[0];
    return {
      t: new Date(t).toISOString(),
      value: series ? kind.chartValue(series, rule) : null,
      samples: series?.samples ?? 0,
    };
  });
}
