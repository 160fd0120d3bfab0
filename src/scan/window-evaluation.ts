import type { Kysely } from 'kysely';
import Value from 'typebox/value';
import { incidentUrl } from '../alerts/dashboard-link.js';
import type { ActiveSilences } from '../alerts/noise-decision.js';
import type { AlertNotification, Destination } from '../alerts/notification.js';
import { TEXT_LIMITS } from '../alerts/render/summary.js';
import { oneLine } from '../alerts/render/text.js';
import { queueWindowAlert } from '../alerts/window-alerts.js';
import type { Database } from '../db/schema.js';
import type { WindowQuery, WindowSeries, WindowStatsReader } from '../logs/window-stats.js';
import type { SeriesFinding, WindowKindModule, WindowRule } from '../rules/kinds/kind.js';
import { firingIncidents, openIncident, resolveIncident, updateIncident } from './incidents.js';
import { type SeriesEvent, stepSeries } from './series-machine.js';
import { deleteSeriesOf, readSeriesStates, type SeriesState, saveSeriesState } from './series-state.js';

export interface KindedWindowRule {
  kind: WindowKindModule;
  rule: WindowRule;
}

export interface WindowEvaluationInput {
  db: Kysely<Database>;
  read: WindowStatsReader;
  /** Active rules of the window kinds. */
  rules: readonly KindedWindowRule[];
  destinations: (rule: WindowRule) => Destination[];
  silences: ActiveSilences;
  publicUrl: string;
  scanId: number | null;
  /** The end of the window: the upper bound of the log time the scans have covered. */
  end: number;
  now: number;
  /** Compute and report; write nothing. */
  dryRun?: boolean;
}

/** What one series did at one evaluation (the scan report and `--dry-run` show these). */
export interface SeriesOutcome {
  rule_type: string;
  rule_id: number;
  name: string;
  app_name: string;
  message_key: string | null;
  value: number | null;
  unit: string;
  samples: number;
  threshold: number | null;
  baseline_value: number | null;
  judged: boolean;
  state_before: SeriesState['state'];
  state: SeriesState['state'];
  /** The notification it queues (or would), if any. */
  event: SeriesEvent | null;
  incident_id: number | null;
}

/** An incident opened or resolved by an evaluation, once its transaction has committed. */
export interface IncidentChange {
  id: number;
  state: 'firing' | 'resolved';
  rule_type: string;
  rule_id: number;
  name: string;
  app_name: string;
  message_key: string | null;
  value: number | null;
  unit: string;
}

export interface WindowEvaluationResult {
  window_to: number;
  series: SeriesOutcome[];
  /** Alert log rows queued as pending. */
  alertsQueued: number;
  /** Incidents opened or resolved (none on a dry run). */
  incidents: IncidentChange[];
}

interface Step {
  item: KindedWindowRule;
  ruleKey: string;
  finding: SeriesFinding;
  before: SeriesState | undefined;
  next: SeriesState;
  event: SeriesEvent | null;
  lastSeenAt?: number | null;
}

/** Asks every rule's questions in one read, in the rules' order, and hands each its answers. */
export async function findingsOf(
  read: WindowStatsReader,
  rules: readonly KindedWindowRule[],
  end: number,
): Promise<SeriesFinding[][]> {
  const queries: WindowQuery[] = [];
  const spans: Array<[number, number]> = [];
  for (const { kind, rule } of rules) {
    const own = kind.queries(rule, end);
    spans.push([queries.length, own.length]);
    queries.push(...own);
  }
  const answers: WindowSeries[][] = queries.length > 0 ? await read(queries) : [];
  return rules.map(({ kind, rule }, i) => {
    const [start, count] = spans[i] as [number, number];
    return kind.judge(rule, answers.slice(start, start + count), end);
  });
}

/** Rules whose stored definition still passes their kind's schema (hand-edited rows are skipped). */
export function evaluable(rules: readonly KindedWindowRule[]): KindedWindowRule[] {
  return rules.filter(
    ({ kind, rule }) =>
      rule.is_active && rule.definition_invalid !== true && Value.Check(kind.definitionSchema, pick(rule, kind)),
  );
}

function pick(rule: WindowRule, kind: WindowKindModule): Record<string, unknown> {
  const props = (kind.definitionSchema as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.fromEntries(Object.keys(props).map((key) => [key, rule[key]]));
}

/**
 * Evaluates the window rules at the end of a successful scan (inside its lease): reads every
 * rule's window statistics in one request, steps each series' state machine, and writes the
 * state changes, the incidents and the notifications they queue in ONE transaction, so a crash
 * mid-evaluation leaves everything as before and the next scan does it once.
 */
export async function evaluateWindowRules(input: WindowEvaluationInput): Promise<WindowEvaluationResult> {
  const rules = evaluable(input.rules);
  const findings = await findingsOf(input.read, rules, input.end);
  const keys = rules.map(({ kind, rule }) => `${kind.name}:${rule.id}`);
  const states = await readSeriesStates(input.db, keys);

  const steps: Step[] = [];
  for (const [i, item] of rules.entries()) {
    const ruleKey = keys[i] as string;
    for (const finding of findings[i] ?? []) {
      const before = states.get(ruleKey)?.get(finding.seriesKey);
      const { next, event } = stepSeries(before, finding, {
        pendingMinutes: item.kind.pendingMinutes(item.rule),
        cooldownMinutes: item.rule.cooldown_minutes,
        end: input.end,
        now: input.now,
      });
      steps.push({ item, ruleKey, finding, before, next, event });
    }
  }
  // Asked before the transaction: no log-source read while it holds the state database.
  for (const step of steps) {
    const { kind, rule } = step.item;
    if (step.event === 'alert' && kind.lastSeen) {
      step.lastSeenAt = await kind.lastSeen(rule, step.finding, input.read);
    }
    if (step.event !== null && kind.eventDetails) {
      const details = await kind.eventDetails(rule, step.finding, input.read);
      step.finding = { ...step.finding, details: { ...step.finding.details, ...details } };
    }
  }

  let alertsQueued = 0;
  let incidents: IncidentChange[] = [];
  const nothingToWrite = steps.length === 0 && (await firingIncidents(input.db)).length === 0;
  if (!input.dryRun && !nothingToWrite) {
    const changes: IncidentChange[] = [];
    alertsQueued = await input.db.transaction().execute(async (trx) => {
      let queued = 0;
      for (const step of steps) queued += await applyStep(trx, input, step, changes);
      await closeOrphans(trx, new Set(keys), input, changes);
      return queued;
    });
    incidents = changes;
  }
  return {
    window_to: input.end,
    alertsQueued,
    incidents,
    series: steps.map((s) => ({
      rule_type: s.item.kind.name,
      rule_id: s.item.rule.id,
      name: s.item.rule.name,
      app_name: s.item.rule.app_name,
      message_key: s.finding.messageKey,
      value: s.finding.value,
      unit: s.finding.unit,
      samples: s.finding.samples,
      threshold: s.finding.threshold,
      baseline_value: s.finding.baselineValue,
      judged: s.finding.judged,
      state_before: s.before?.state ?? 'ok',
      state: s.next.state,
      event: s.event,
      incident_id: s.next.incidentId ?? s.before?.incidentId ?? null,
    })),
  };
}

/**
 * Incidents of rules no longer evaluated (deleted, deactivated, or a definition that no longer
 * passes its schema) are resolved without a notification, and their series forgotten, so none
 * stays firing for ever.
 */
async function closeOrphans(
  trx: Kysely<Database>,
  evaluated: Set<string>,
  input: WindowEvaluationInput,
  changes: IncidentChange[],
) {
  for (const { id, ruleKey } of await firingIncidents(trx)) {
    if (evaluated.has(ruleKey)) continue;
    await resolveIncident(trx, id, input.end, {}, input.now);
    await deleteSeriesOf(trx, ruleKey);
    const row = await trx
      .selectFrom('incidents')
      .select(['rule_type', 'rule_id', 'name', 'app_name', 'message_key', 'value', 'unit'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (row) {
      const value = row.value === null ? null : Number(row.value);
      changes.push({ id, state: 'resolved', ...row, rule_id: Number(row.rule_id), value });
    }
  }
}

/** Writes one series' step: its incident, its state and its notification. Returns rows queued. */
async function applyStep(
  trx: Kysely<Database>,
  input: WindowEvaluationInput,
  step: Step,
  changes: IncidentChange[],
): Promise<number> {
  const { item, finding, event } = step;
  const { kind, rule } = item;
  const figures = {
    value: finding.value,
    samples: finding.samples,
    threshold: finding.threshold,
    baseline_value: finding.baselineValue,
  };
  let incidentId = step.before?.incidentId ?? null;
  if (event === 'alert') {
    incidentId = await openIncident(
      trx,
      {
        rule_type: kind.name,
        rule_id: rule.id,
        name: rule.name,
        app_name: rule.app_name,
        message_key: finding.messageKey,
        started_at: input.end,
        unit: finding.unit,
        ...figures,
      },
      input.now,
    );
    step.next = { ...step.next, incidentId };
    changes.push(incidentChange(incidentId, 'firing', step));
  } else if (event === 'resolved' && incidentId !== null) {
    await resolveIncident(trx, incidentId, input.end, { value: finding.value, samples: finding.samples }, input.now);
    changes.push(incidentChange(incidentId, 'resolved', step));
  } else if (step.next.state === 'firing' && incidentId !== null && finding.judged) {
    await updateIncident(trx, incidentId, figures, input.now);
  }
  await saveSeriesState(trx, step.ruleKey, finding.seriesKey, step.next);

  if (event === null || incidentId === null) return 0;
  if (event === 'resolved' && !rule.notify_resolved) return 0;
  const startedAt = await incidentStart(trx, incidentId, input.end);
  const notification = windowNotification(input, step, incidentId, startedAt);
  return queueWindowAlert(trx, input.silences, {
    notification,
    channels: rule.alert_channels,
    destinations: input.destinations(rule),
    scanId: input.scanId,
    now: input.now,
  });
}

function incidentChange(id: number, state: IncidentChange['state'], step: Step): IncidentChange {
  const { kind, rule } = step.item;
  return {
    id,
    state,
    rule_type: kind.name,
    rule_id: rule.id,
    name: rule.name,
    app_name: rule.app_name,
    message_key: step.finding.messageKey,
    value: step.finding.value,
    unit: step.finding.unit,
  };
}

async function incidentStart(db: Kysely<Database>, id: number, fallback: number): Promise<number> {
  const row = await db.selectFrom('incidents').select('started_at').where('id', '=', id).executeTakeFirst();
  return row ? Number(row.started_at) : fallback;
}

/** The notification every channel renders for a window kind's alert, reminder or resolved. */
function windowNotification(
  input: WindowEvaluationInput,
  step: Step,
  incidentId: number,
  startedAt: number,
): AlertNotification {
  const { kind, rule } = step.item;
  const { finding } = step;
  const event = step.event as SeriesEvent;
  const resolvedAt = event === 'resolved' ? input.end : null;
  const app = oneLine(rule.app_name, TEXT_LIMITS.app);
  const messageKey = finding.messageKey === null ? null : oneLine(finding.messageKey, TEXT_LIMITS.messageKey);
  const sentence = kind.describe({
    rule,
    finding,
    app,
    messageKey,
    event,
    startedAt,
    ...(resolvedAt !== null ? { resolvedAt } : {}),
    ...(step.lastSeenAt !== undefined ? { lastSeenAt: step.lastSeenAt } : {}),
  });
  return {
    kind: event === 'resolved' ? 'resolved' : 'alert',
    ruleType: kind.name,
    ruleId: rule.id,
    app: rule.app_name,
    messageKey: finding.messageKey,
    thresholdMs: finding.threshold ?? 0,
    count: finding.samples,
    sinceLastAlert: finding.samples,
    worstMs: finding.value ?? 0,
    p95Ms: finding.value ?? 0,
    firstAt: finding.windowFrom,
    lastAt: finding.windowTo,
    samples: [],
    dashboardUrl: incidentUrl(input.publicUrl, {
      incidentId,
      ruleType: kind.name,
      ruleId: rule.id,
      startedAt,
      until: resolvedAt ?? input.now,
    }),
    evaluation: {
      statistic: finding.statistic,
      value: finding.value,
      threshold: finding.threshold,
      unit: finding.unit,
      samples: finding.samples,
      windowFrom: finding.windowFrom,
      windowTo: finding.windowTo,
      baselineValue: finding.baselineValue,
      ...(finding.details ? { details: finding.details } : {}),
    },
    ...(finding.severity ? { severity: finding.severity } : {}),
    incident: { id: incidentId, name: rule.name, event, startedAt, resolvedAt },
    sentence,
  };
}
