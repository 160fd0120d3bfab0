/**
 * The `slo` rule kind as the API answers it. Status and history are the server's own types
 * (type-only imports: nothing of the server is bundled); the rule's output is built by the server
 * per kind (src/rules/kinds/window-fields.ts), so its fields are written out here as
 * src/rules/kinds/slo/schema.ts defines them.
 */
import type { Static } from 'typebox';
import type { SloHistoryOutput, SloStatusOutput } from '../../../src/rules/kinds/slo/reports.js';
import type { ChannelType, Managed } from './types.js';

/** Fires when both windows burn the error budget at `factor` times the sustainable rate or faster. */
export interface BurnAlert {
  long_minutes: number;
  short_minutes: number;
  factor: number;
}

export interface SloRule extends Managed {
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
/** `GET /rules/slo/{id}/status`: the period ending now, exact counts. */
export type SloStatus = Static<typeof SloStatusOutput>;
/** `GET /rules/slo/{id}/history?points=`: the budget burn-down and the burn rates, step by step. */
export type SloHistory = Static<typeof SloHistoryOutput>;
export type SloHistoryPoint = SloHistory['points'][number];

/**
 * The burn alerts a new SLO gets (the SRE Workbook's page and warning pairs), as the server's
 * default (test/web/field-errors.test.ts holds them equal).
 */
export const DEFAULT_BURN_ALERTS: readonly BurnAlert[] = [
  { long_minutes: 60, short_minutes: 5, factor: 14.4 },
  { long_minutes: 360, short_minutes: 30, factor: 6 },
];
