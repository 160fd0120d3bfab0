/**
 * The window rule kinds (`latency`, `absence`), their incidents and the rule preview, as the API
 * answers and takes them. Incidents and previews are the server's own types; the rules'
 * outputs are built by the server per kind (src/rules/kinds/window-fields.ts), so their fields
 * are written out here as src/rules/kinds/latency/schema.ts and absence/index.ts define them.
 */
import type { Static } from 'typebox';
import type { IncidentOutput } from '../../../src/http/routes/incidents.js';
import type { WindowStatistic } from '../../../src/logs/window-stats.js';
import type { ChartPoint, PreviewSeries, RulePreview } from '../../../src/scan/window-preview.js';
import type { ChannelType, Managed } from './types.js';

export { WINDOW_STATISTICS, type WindowStatistic } from '../../../src/logs/window-stats.js';
export type { PreviewSeries, RulePreview };

/** The fields every window rule carries besides its own. */
interface WindowRuleShared extends Managed {
  id: number;
  kind?: string;
  name: string;
  app_name: string;
  /** null: every log of the app. */
  message_key: string | null;
  is_active: boolean;
  alert_channels: ChannelType[];
  cooldown_minutes: number;
  notify_resolved: boolean;
  created_at: string;
  updated_at: string;
}

export interface LatencyBaseline {
  compare_to: '1d' | '7d';
  ratio: number;
  min_increase_ms: number;
}

export interface LatencyRule extends WindowRuleShared {
  per_key: boolean;
  statistic: WindowStatistic;
  slow_ms: number | null;
  window_minutes: number;
  threshold: number | null;
  baseline: LatencyBaseline | null;
  resolve_threshold: number | null;
  min_samples: number;
  pending_minutes: number;
}

export interface AbsenceRule extends WindowRuleShared {
  silent_minutes: number;
}

type Input<T> = Omit<T, 'id' | 'kind' | 'created_at' | 'updated_at'>;
export type LatencyRuleInput = Input<LatencyRule>;
export type AbsenceRuleInput = Input<AbsenceRule>;

export type WindowKind = 'latency' | 'absence';

/** One item of `GET /rules`: any kind, with its kind and id. */
export type AnyKindRule = { kind: string; id: number; app_name: string; is_active: boolean } & Managed &
  Record<string, unknown>;

export type Incident = Static<typeof IncidentOutput>;
export type IncidentState = Incident['state'];

/** `GET /incidents/{id}`: the incident, its rule (null once deleted) and its statistic per bucket. */
export interface IncidentDetail extends Incident {
  rule: Record<string, unknown> | null;
  series: ChartPoint[];
}

export interface IncidentQuery {
  state?: IncidentState;
  rule_type?: string;
  rule_id?: number;
  app_name?: string;
  page?: number;
  per_page?: number;
}
