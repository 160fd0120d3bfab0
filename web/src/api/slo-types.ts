/**
 * The `slo` rule kind as the API answers and takes it: the rule, its status now and its history
 * over the period. Written out as the server's slo kind defines them (`GET /rules/slo`,
 * `/rules/slo/{id}/status`, `/rules/slo/{id}/history`).
 */
import type { ChannelType } from './types.js';

/** Pages when both windows burn at `factor` or faster. */
export interface BurnAlert {
  long_minutes: number;
  short_minutes: number;
  factor: number;
}

/** The burn alerts a new SLO gets (the SRE Workbook's page and ticket pairs). */
export const DEFAULT_BURN_ALERTS: readonly BurnAlert[] = [
  { long_minutes: 60, short_minutes: 5, factor: 14.4 },
  { long_minutes: 360, short_minutes: 30, factor: 6 },
];

export interface SloRule {
  id: number;
  kind?: 'slo';
  name: string;
  app_name: string;
  /** null: every log of the app. */
  message_key: string | null;
  /** A log with a duration is good at or under this. */
  threshold_ms: number;
  /** Percent of good logs aimed for, 50 <= x < 100. */
  objective: number;
  period_days: number;
  burn_alerts: BurnAlert[];
  alert_channels: ChannelType[];
  cooldown_minutes: number;
  notify_resolved: boolean;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export type SloRuleInput = Omit<SloRule, 'id' | 'kind' | 'created_at' | 'updated_at'>;

/** Burn rates by window: `5m`, `30m`, `1h`, `6h` (null: no log with a duration in the window). */
export type BurnRates = Record<string, number | null>;

/** `GET /rules/slo/{id}/status`: the period ending now, exact counts. */
export interface SloStatus {
  /** null: no log with a duration in the period yet. */
  sli_percent: number | null;
  good: number;
  bad: number;
  budget_remaining_percent: number | null;
  burn_rates: BurnRates;
  firing: boolean;
}

/** One step of the history: counts over the period up to `t`, and the burn rates at `t` by window (`60m`, `5m`). */
export interface SloHistoryPoint {
  /** Epoch ms or ISO time. */
  t: number | string;
  good: number;
  bad: number;
  budget_remaining_percent: number | null;
  burn_rates: BurnRates;
}

/** `GET /rules/slo/{id}/history?points=`. */
export interface SloHistory {
  from: string | number;
  to: string | number;
  step_ms: number;
  objective: number;
  burn_alerts: BurnAlert[];
  points: SloHistoryPoint[];
}
