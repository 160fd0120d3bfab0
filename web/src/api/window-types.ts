/**
 * The window rule kinds (`latency`, `absence`), their incidents and the rule preview, as the API
 * answers and takes them.
 */
import type { ChannelType } from './types.js';

export const WINDOW_STATISTICS = ['p50', 'p90', 'p95', 'p99', 'avg', 'max', 'slow_ratio'] as const;
export type WindowStatistic = (typeof WINDOW_STATISTICS)[number];

/** The fields every window rule carries besides its own. */
interface WindowRuleShared {
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
export type AnyKindRule = { kind: string; id: number; app_name: string; is_active: boolean } & Record<string, unknown>;

export type IncidentState = 'firing' | 'resolved';

export interface Incident {
  id: number;
  rule_type: string;
  rule_id: number;
  name: string;
  app_name: string;
  message_key: string | null;
  state: IncidentState;
  started_at: string;
  resolved_at: string | null;
  value: number | null;
  peak_value: number | null;
  threshold: number | null;
  /** `ms`, `%`, `min`: what value and threshold count. */
  unit: string;
  samples: number | null;
}

/** One point of an incident's statistic (`t`: ISO time or epoch ms). */
export interface IncidentPoint {
  t: string | number;
  value: number | null;
  samples: number | null;
}

export interface IncidentDetail extends Incident {
  series: IncidentPoint[];
}

export interface PreviewSeries {
  message_key: string | null;
  value: number | null;
  samples: number;
  threshold: number | null;
  baseline_value: number | null;
  /** False when the window held fewer than min_samples logs (the series keeps its state). */
  judged: boolean;
  condition_holds: boolean;
}

/** What an unsaved rule would see right now. */
export interface RulePreview {
  window_from: string;
  window_to: string;
  series: PreviewSeries[];
  would_fire: boolean;
}

export interface IncidentQuery {
  state?: IncidentState;
  rule_type?: string;
  rule_id?: number;
  app_name?: string;
  page?: number;
  per_page?: number;
}
