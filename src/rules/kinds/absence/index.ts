import Type, { type Static } from 'typebox';
import type { WindowQuery } from '../../../logs/window-stats.js';
import type { DescribeInput, WindowKindModule, WindowRule } from '../kind.js';
import {
  windowCreateSchema,
  windowListFilters,
  windowOutputSchema,
  windowPreviewSchema,
  windowUpdateSchema,
} from '../window-fields.js';
import { formatClock, formatMinutes, subjectOf } from '../words.js';

const MINUTE = 60_000;

const own = {
  silent_minutes: Type.Integer({
    minimum: 1,
    maximum: 10_080,
    description: 'Fires when no log of the app (and key) has a time within this many minutes of the range scanned',
  }),
};

const AbsenceDefinition = Type.Object({ silent_minutes: Type.Integer({ minimum: 1, maximum: 10_080 }) });
type AbsenceDefinition = Static<typeof AbsenceDefinition>;
export type AbsenceRule = WindowRule & AbsenceDefinition;

// How far back the "last at" of an alert looks for the last log, in one-minute steps.
const LAST_SEEN_LOOKBACK_MINUTES = 60;

/**
 * `absence`: an app (or one of its keys) that stopped logging. Judged over the range the scans
 * have covered, by ingest time where the source has it, so late data does not fire it; the
 * first log resolves it. A source that cannot be read fails the scan, which evaluates nothing.
 */
export const absenceKind: WindowKindModule<AbsenceRule> = {
  family: 'window',
  name: 'absence',
  label: 'absence rule',
  tag: 'absence rules',
  createSchema: windowCreateSchema(
    own,
    'An absence rule: fires when the app (and key) has not logged for silent_minutes',
  ),
  updateSchema: windowUpdateSchema(own),
  previewSchema: windowPreviewSchema(own),
  outputSchema: windowOutputSchema('absence', { silent_minutes: Type.Integer() }),
  definitionSchema: AbsenceDefinition,
  listFilters: windowListFilters,
  store: (stores) => stores.windowRules('absence'),
  summary: (common) =>
    `no log of ${(common as AbsenceRule).message_key ?? 'any key'} for ${formatMinutes((common as AbsenceRule).silent_minutes)}`,

  definitionOf: (input) => ({ silent_minutes: input.silent_minutes as number }),
  check: () => [],
  pendingMinutes: () => 0,

  queries: (rule, end) => [queryOf(rule, rule.message_key, { from: end - rule.silent_minutes * MINUTE, to: end })],

  judge(rule, answers, end) {
    const series = answers[0]?.[0];
    const logs = series?.logs ?? 0;
    return [
      {
        seriesKey: '',
        messageKey: rule.message_key,
        statistic: 'logs',
        value: logs,
        unit: 'logs',
        samples: logs,
        threshold: 0,
        baselineValue: null,
        judged: true,
        holds: logs === 0,
        clears: logs > 0,
        windowFrom: end - rule.silent_minutes * MINUTE,
        windowTo: end,
      },
    ];
  },

  async lastSeen(rule, finding, read) {
    const queries: WindowQuery[] = [];
    for (let i = 1; i <= LAST_SEEN_LOOKBACK_MINUTES; i++) {
      const to = finding.windowFrom - (i - 1) * MINUTE;
      queries.push(queryOf(rule, rule.message_key, { from: to - MINUTE, to }));
    }
    const answers = await read(queries);
    const index = answers.findIndex((series) => (series[0]?.logs ?? 0) > 0);
    return index < 0 ? null : finding.windowFrom - (index + 1) * MINUTE;
  },

  describe({ rule, app, messageKey, event, startedAt, resolvedAt, lastSeenAt, finding }: DescribeInput<AbsenceRule>) {
    const subject = subjectOf(app, messageKey);
    if (event === 'resolved') {
      return `${subject}: logging again after ${formatMinutes(((resolvedAt ?? finding.windowTo) - startedAt) / MINUTE + rule.silent_minutes)} of silence`;
    }
    const last =
      lastSeenAt === undefined
        ? ''
        : lastSeenAt === null
          ? ` (none in the ${LAST_SEEN_LOOKBACK_MINUTES} min before)`
          : ` (last at ${formatClock(lastSeenAt, finding.windowTo)})`;
    const still = event === 'reminder' ? `, still silent since ${formatClock(startedAt, finding.windowTo)}` : '';
    return `${subject}: no log for ${formatMinutes(rule.silent_minutes)}${last}${still}`;
  },

  chartStepMs: () => MINUTE,
  chartQuery: (rule, messageKey, range) => queryOf(rule, messageKey, range),
  chartValue: (series) => series.logs,
};

function queryOf(rule: AbsenceRule, messageKey: string | null, range: { from: number; to: number }): WindowQuery {
  return { app: rule.app_name, messageKey, perKey: false, maxSeries: 1, range, statistic: 'max', byIngestTime: true };
}
