import { pageOfAlerts } from '../alerts/alert-log.js';
import type { AlertNotification } from '../alerts/notification.js';
import type { StateDb } from '../db/connection.js';
import type { RuleCommon, RuleStores } from '../rules/kinds/kind.js';
import { RULE_KINDS } from '../rules/kinds/registry.js';
import { subjectOf } from '../rules/kinds/words.js';
import type { SeriesOutcome } from '../scan/window-evaluation.js';
import { pageOfViolations } from '../violations/violation-store.js';

/** One notification the replay queued (one per rule, event and scan, whatever the targets). */
export interface ReplayNotification {
  /** When it was queued: offset from the evaluation time, ms. */
  atMs: number;
  rule: string;
  event: 'alert' | 'reminder' | 'resolved';
  /** `pending`: would be sent; `silenced` or `suppressed` (count window, cooldown): held back. */
  status: 'pending' | 'silenced' | 'suppressed' | 'sent' | 'failed';
  reason: string | null;
}

/** A window rule's series as the evaluation at the evaluation time left it. */
export interface ReplayWindowSeries {
  rule: string;
  name: string;
  message_key: string | null;
  state: SeriesOutcome['state'];
  value: number | null;
  unit: string;
  threshold: number | null;
  samples: number;
  judged: boolean;
}

/** What happened in one test's replay. */
export interface ReplayOutcome {
  /** Epoch ms. */
  evaluationTime: number;
  /** Scans run (each with its window evaluation). */
  scans: number;
  violations: number;
  violationsByRule: { rule: string; count: number }[];
  windowSeries: ReplayWindowSeries[];
  /** Names of the window rules with a series firing at the evaluation time, sorted. */
  firing: string[];
  notifications: ReplayNotification[];
}

const PAGE = 500;

/** "message rule checkout POST /pay", "latency rule "pay p95"": how a rule is named in reports. */
export async function ruleLabels(stores: RuleStores): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  for (const kind of RULE_KINDS) {
    for (const rule of (await kind.store(stores).all()) as (RuleCommon & { name?: unknown; message_key?: unknown })[]) {
      const key = typeof rule.message_key === 'string' ? rule.message_key : null;
      const named = typeof rule.name === 'string' ? `"${rule.name}"` : subjectOf(rule.app_name, key);
      labels.set(`${kind.name}:${rule.id}`, `${kind.label} ${named}`);
    }
  }
  return labels;
}

export interface OutcomeInput {
  labels: ReadonlyMap<string, string>;
  evaluationTime: number;
  /** The clock of the scan at the evaluation time (a scan runs just after its tick). */
  evaluationClock: number;
  scans: number;
  /** The window series of the evaluation at the evaluation time. */
  lastSeries: readonly SeriesOutcome[];
}

/** Reads the replay's outcome from its state database and its last evaluation. */
export async function readOutcome(state: StateDb, input: OutcomeInput): Promise<ReplayOutcome> {
  const { labels, evaluationTime, scans, lastSeries } = input;
  const label = (type: string, id: number) => labels.get(`${type}:${id}`) ?? `${type} rule ${id}`;
  const recorded = await pageOfViolations(
    state,
    { range: { from: 0, to: Number.MAX_SAFE_INTEGER } },
    { page: 1, per_page: 1 },
  );
  const windowSeries = lastSeries.map((s) => ({
    rule: label(s.rule_type, s.rule_id),
    name: s.name,
    message_key: s.message_key,
    state: s.state,
    value: s.value,
    unit: s.unit,
    threshold: s.threshold,
    samples: s.samples,
    judged: s.judged,
  }));
  return {
    evaluationTime,
    scans,
    violations: recorded.count,
    violationsByRule: recorded.rules.map((r) => ({ rule: label(r.rule_type, r.rule_id), count: r.count })),
    windowSeries,
    firing: [...new Set(windowSeries.filter((s) => s.state === 'firing').map((s) => s.name))].sort(),
    notifications: await notificationsOf(state, label, input.evaluationClock),
  };
}

/**
 * The alert log as notifications: its rows (one per destination) grouped by scan, rule, series
 * and event, oldest first.
 */
async function notificationsOf(
  state: StateDb,
  label: (type: string, id: number) => string,
  evaluationClock: number,
): Promise<ReplayNotification[]> {
  const found = new Map<string, ReplayNotification & { order: number }>();
  for (let page = 1; ; page++) {
    const { items } = await pageOfAlerts(state.db, {}, { page, per_page: PAGE });
    for (const row of items) {
      const event = eventOf(row.kind, row.payload);
      const key = [row.scan_id, row.rule_type, row.rule_id, row.message_key, event].join('\u0000');
      const order = Number(row.id);
      const known = found.get(key);
      if (known && known.order <= order) continue;
      found.set(key, {
        order,
        atMs: Number(row.created_at) - evaluationClock,
        rule: label(row.rule_type, Number(row.rule_id)),
        event,
        status: row.status,
        reason: row.last_error,
      });
    }
    if (items.length < PAGE) break;
  }
  return [...found.values()].sort((a, b) => a.order - b.order).map(({ order: _order, ...n }) => n);
}

function eventOf(kind: 'alert' | 'resolved', payload: string): ReplayNotification['event'] {
  if (kind === 'resolved') return 'resolved';
  try {
    const parsed = JSON.parse(payload) as Pick<AlertNotification, 'incident'>;
    return parsed.incident?.event === 'reminder' ? 'reminder' : 'alert';
  } catch {
    return 'alert';
  }
}
