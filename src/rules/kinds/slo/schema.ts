import Type, { type Static } from 'typebox';
import {
  windowCreateSchema,
  windowListFilters,
  windowOutputSchema,
  windowPreviewSchema,
  windowUpdateSchema,
} from '../window-fields.js';

/** At most this many burn alerts per SLO (the SRE Workbook uses two to four). */
export const MAX_BURN_ALERTS = 4;

/** The multi-window, multi-burn-rate alerts of Google's SRE Workbook: a page and a warning. */
export const DEFAULT_BURN_ALERTS: BurnAlert[] = [
  { long_minutes: 60, short_minutes: 5, factor: 14.4 },
  { long_minutes: 360, short_minutes: 30, factor: 6 },
];

const BurnAlertSchema = Type.Object(
  {
    long_minutes: Type.Integer({ minimum: 2, maximum: 10_080, description: 'The long window (minutes)' }),
    short_minutes: Type.Integer({
      minimum: 1,
      maximum: 10_079,
      description: 'The short window (minutes), shorter than the long one',
    }),
    factor: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1000,
      description: 'Fires while both windows burn the error budget at >= this many times the sustainable rate',
    }),
  },
  { additionalProperties: false },
);
export type BurnAlert = Static<typeof BurnAlertSchema>;

/** The slo kind's own fields, as a create body takes them. */
const own = {
  threshold_ms: Type.Number({
    minimum: 0,
    maximum: 1e12,
    description: 'A log with a duration is good when duration <= threshold_ms, else bad',
  }),
  objective: Type.Number({
    minimum: 50,
    exclusiveMaximum: 100,
    description: 'The target share of good logs, in percent (50 <= x < 100, e.g. 99.5)',
  }),
  period_days: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 90, description: 'The rolling period the objective covers (default 28)' }),
  ),
  burn_alerts: Type.Optional(
    Type.Array(BurnAlertSchema, {
      minItems: 1,
      maxItems: MAX_BURN_ALERTS,
      description:
        'Default [{long_minutes: 60, short_minutes: 5, factor: 14.4}, {long_minutes: 360, short_minutes: 30, factor: 6}]',
    }),
  ),
};

export const SloCreate = windowCreateSchema(
  own,
  'A latency SLO: the share of logs at or under threshold_ms over period_days, with burn-rate alerts',
);
export const SloPreview = windowPreviewSchema(own);
export const SloUpdate = windowUpdateSchema(own);
export const sloListFilters = windowListFilters;

/** The stored definition (defaults applied). */
export const SloDefinition = Type.Object({
  threshold_ms: Type.Number({ minimum: 0 }),
  objective: Type.Number({ minimum: 50, exclusiveMaximum: 100 }),
  period_days: Type.Integer({ minimum: 1, maximum: 90 }),
  burn_alerts: Type.Array(BurnAlertSchema, { minItems: 1, maxItems: MAX_BURN_ALERTS }),
});
export type SloDefinition = Static<typeof SloDefinition>;

export const SloOutput = windowOutputSchema('slo', {
  threshold_ms: Type.Number(),
  objective: Type.Number(),
  period_days: Type.Integer(),
  burn_alerts: Type.Array(
    Type.Object({ long_minutes: Type.Integer(), short_minutes: Type.Integer(), factor: Type.Number() }),
  ),
});
