import Type from 'typebox';
import { APP_SORT_COLUMNS } from '../stats/app-sort.js';
import { OVERVIEW_LIMITS } from '../stats/overview-limits.js';
import { FilterText, MAX_ID, pagingFields } from './schemas.js';

/*
 * The queries and answers of `/dashboard/*` and `/monitor/*`. The web dashboard derives its
 * types from these (type-only imports), so the two sides share one vocabulary.
 */

export const DEFAULT_TRACE_LIMIT = 1_000;
export const MAX_TRACE_LIMIT = 5_000;
export const DEFAULT_SLOWEST_TRACES = 20;
export const MAX_SLOWEST_TRACES = 100;
/** `apps_limit` of `/dashboard/overview`: how many of the busiest apps it may be asked to list. */
export const MAX_OVERVIEW_APPS = 1_000;

// Query strings. `from`/`to` and `interval` are checked by the handlers (422 naming the field).

const rangeFields = {
  from: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'Start of the range, inclusive: ISO 8601 (or epoch ms). Default: 24 hours before `to`',
    }),
  ),
  to: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'End of the range, exclusive: ISO 8601 (or epoch ms). Default: now (or 24 hours after `from`)',
    }),
  ),
};

export const RangeQuery = Type.Object(rangeFields, { additionalProperties: false });

export const AppsQuery = Type.Object(
  {
    ...rangeFields,
    sort: Type.Optional(
      Type.Union(
        APP_SORT_COLUMNS.flatMap((column) => [Type.Literal(column), Type.Literal(`-${column}`)]),
        {
          description:
            'Order of the apps: a column, `-` first for descending (figures without a value last either way, ties by app name). Default: violations, then p95, both descending',
        },
      ),
    ),
    ...pagingFields,
  },
  { additionalProperties: false },
);

export const OverviewQuery = Type.Object(
  {
    ...rangeFields,
    app_name: Type.Optional(FilterText('Only the logs and violations of this app')),
    apps_limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_OVERVIEW_APPS,
        description: `How many of the busiest apps \`active_apps.apps\` and \`avg_duration.by_app\` list (default ${OVERVIEW_LIMITS.apps})`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const TimeseriesQuery = Type.Object(
  {
    ...rangeFields,
    interval: Type.Optional(
      Type.String({
        maxLength: 16,
        description: 'Bucket width such as 30s, 1m, 5m, 1h, 1d. Default: chosen from the span (at most 300 buckets)',
      }),
    ),
    app_name: Type.Optional(FilterText('Only logs and violations of this app')),
  },
  { additionalProperties: false },
);

export const TraceQuery = Type.Object(
  {
    correlation_id: Type.String({ minLength: 1, maxLength: 191, description: 'The correlation id (trace id)' }),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_TRACE_LIMIT, description: 'At most this many logs (default 1000)' }),
    ),
  },
  { additionalProperties: false },
);

export const SlowestTracesQuery = Type.Object(
  {
    ...rangeFields,
    app_name: Type.Optional(FilterText("Only this app's logs: its slowest log decides")),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_SLOWEST_TRACES,
        description: `At most this many correlation ids (default ${DEFAULT_SLOWEST_TRACES})`,
      }),
    ),
  },
  { additionalProperties: false },
);

const ruleFilterFields = {
  rule_type: Type.Optional(
    Type.Union([Type.Literal('app'), Type.Literal('message')], {
      description: 'Only the violations this rule decided (with rule_id)',
    }),
  ),
  rule_id: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_ID,
      description: 'Only the violations this rule decided (with rule_type)',
    }),
  ),
  level: Type.Optional(FilterText("Only violations of logs at this level (exactly as recorded, e.g. 'error')")),
  ids: Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,15}-[0-9]{1,15}$',
      maxLength: 31,
      description:
        "Only violations with ids from the first to the last, `<first>-<last>`: with the rule, exactly the violations one notification reported (its dashboard link's `ids`)",
    }),
  ),
};

export const KeyMatchSchema = Type.Union([Type.Literal('exact'), Type.Literal('prefix'), Type.Literal('contains')], {
  description: 'How message_key matches: the whole key (default), its start, or any part; case-sensitive',
});

export const ViolationSortSchema = Type.Union(
  [Type.Literal('-time'), Type.Literal('time'), Type.Literal('-duration'), Type.Literal('duration')],
  { description: 'Order by log time or duration, `-` first for descending. Default -time (newest first)' },
);

export const ViolationsByAppQuery = Type.Object(
  {
    app_name: Type.Optional(FilterText('The app; every app when omitted')),
    ...ruleFilterFields,
    sort: Type.Optional(ViolationSortSchema),
    ...rangeFields,
    ...pagingFields,
  },
  { additionalProperties: false },
);

export const ViolationsByMessageQuery = Type.Object(
  {
    message_key: FilterText('The message key (see key_match)'),
    key_match: Type.Optional(KeyMatchSchema),
    app_name: Type.Optional(FilterText('Only violations of this app')),
    ...ruleFilterFields,
    sort: Type.Optional(ViolationSortSchema),
    ...rangeFields,
    ...pagingFields,
  },
  { additionalProperties: false },
);

export const ViolationHistogramQuery = Type.Object(
  {
    app_name: Type.Optional(FilterText('Only violations of this app')),
    message_key: Type.Optional(FilterText('Only violations of this message key (see key_match)')),
    key_match: Type.Optional(KeyMatchSchema),
    ...ruleFilterFields,
    ...rangeFields,
    interval: Type.Optional(
      Type.String({
        maxLength: 16,
        description: 'Bucket width such as 30s, 1m, 5m, 1h, 1d. Default: chosen from the span (at most 300 buckets)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DEFAULT_BREAKDOWN_LIMIT = 10;
export const MAX_BREAKDOWN_LIMIT = 100;

export const ViolationBreakdownQuery = Type.Object(
  {
    by: Type.Union([Type.Literal('key'), Type.Literal('rule'), Type.Literal('level')], {
      description: 'Group by message key, by deciding rule, or by log level',
    }),
    app_name: Type.Optional(FilterText('Only violations of this app')),
    message_key: Type.Optional(FilterText('Only violations of this message key (see key_match)')),
    key_match: Type.Optional(KeyMatchSchema),
    ...ruleFilterFields,
    ...rangeFields,
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_BREAKDOWN_LIMIT,
        description: `At most this many groups, the largest (default ${DEFAULT_BREAKDOWN_LIMIT})`,
      }),
    ),
  },
  { additionalProperties: false },
);

// Answers.

const Time = (description?: string) => Type.String({ format: 'date-time', description });
const NullableNumber = (description?: string) => Type.Union([Type.Number(), Type.Null()], { description });
const NullableString = (description?: string) => Type.Union([Type.String(), Type.Null()], { description });
const NullableTime = (description?: string) => Type.Union([Time(), Type.Null()], { description });
const RuleType = Type.Union([Type.Literal('app'), Type.Literal('message')]);

export const OverviewOutput = Type.Object({
  from: Time('Start of the range (inclusive)'),
  to: Time('End of the range (exclusive)'),
  total_logs: Type.Integer({ description: 'Logs with a time in the range' }),
  active_apps: Type.Object({
    total: Type.Integer({ description: 'Apps with at least one log in the range, listed or not' }),
    apps: Type.Array(Type.String(), {
      description: `The busiest of those apps (at most \`apps_limit\`, default ${OVERVIEW_LIMITS.apps}), by name`,
    }),
    truncated: Type.Boolean({ description: 'True when `apps` lists fewer than `total`' }),
  }),
  violations: Type.Object({
    total: Type.Integer({ description: 'Recorded violations whose log time is in the range' }),
    by_type: Type.Object({ app: Type.Integer(), message: Type.Integer() }),
    violation_rate: Type.Number({
      description: 'violations.total / total_logs * 100, 3 significant digits; 0 without logs',
    }),
  }),
  avg_duration: Type.Object({
    overall_ms: NullableNumber('Mean duration of the logs that carry one; null when none does'),
    by_app: Type.Array(
      Type.Object({
        app_name: Type.String(),
        avg_ms: NullableNumber(),
        count: Type.Integer({ description: "The app's logs in the range" }),
      }),
      { description: 'The same busiest apps as `active_apps.apps`, slowest average first' },
    ),
    by_app_total: Type.Integer({ description: 'Apps with logs in the range, listed in `by_app` or not' }),
    truncated: Type.Boolean({ description: 'True when `by_app` lists fewer than `by_app_total`' }),
  }),
  log_level_distribution: Type.Array(Type.Object({ level: Type.String(), count: Type.Integer() }), {
    description: `Most frequent first, at most ${OVERVIEW_LIMITS.levels}`,
  }),
  log_level_total: Type.Integer({ description: 'Levels seen in the range, listed or not' }),
  log_level_truncated: Type.Boolean({
    description: 'True when `log_level_distribution` lists fewer than `log_level_total`',
  }),
});

export const TimeseriesOutput = Type.Object({
  from: Time(),
  to: Time(),
  interval: Type.String({ description: 'Bucket width, e.g. 5m' }),
  interval_ms: Type.Integer(),
  app_name: NullableString(),
  buckets: Type.Array(
    Type.Object({
      time: Time('Bucket start (aligned to the epoch)'),
      logs: Type.Integer(),
      avg_ms: NullableNumber(),
      p95_ms: NullableNumber(),
      violations: Type.Integer(),
    }),
  ),
});

const KeyFigures = Type.Object({
  message_key: Type.String(),
  count: Type.Integer(),
  avg_ms: NullableNumber(),
  p95_ms: NullableNumber(),
  max_ms: NullableNumber(),
});

export const AppsOutput = Type.Object({
  from: Time(),
  to: Time(),
  apps: Type.Array(
    Type.Object({
      app_name: Type.String(),
      logs: Type.Integer(),
      avg_ms: NullableNumber(),
      p95_ms: NullableNumber(),
      max_ms: NullableNumber('The worst duration'),
      violations: Type.Integer(),
      violation_rate: Type.Number({ description: 'violations / logs * 100, 3 significant digits' }),
      slowest_message_keys: Type.Array(KeyFigures, { description: 'By p95, slowest first (at most 5)' }),
    }),
    { description: 'One page of the apps, in the order `sort` asks' },
  ),
  total: Type.Integer({ description: 'Every app of the range (with logs, or with recorded violations)' }),
  page: Type.Integer(),
  per_page: Type.Integer(),
});

export const TraceOutput = Type.Object({
  correlation_id: Type.String(),
  count: Type.Integer(),
  truncated: Type.Boolean({ description: 'True when `limit` logs were returned: there may be more' }),
  first_time: Time(),
  last_time: Time(),
  span_ms: Type.Number({ description: "From the first log's time to the latest time + duration" }),
  total_duration_ms: Type.Number(),
  logs: Type.Array(
    Type.Object({
      source_id: Type.String(),
      time: Time(),
      app_name: NullableString(),
      message_key: NullableString(),
      level: NullableString(),
      message: NullableString(),
      duration_ms: NullableNumber(),
      offset_ms: Type.Number({ description: 'Since the first log' }),
      gap_ms: Type.Number({ description: 'Since the previous log (0 for the first)' }),
      end_offset_ms: Type.Number({ description: 'offset_ms + duration_ms' }),
      violation: Type.Union(
        [
          Type.Object({
            rule_type: RuleType,
            rule_id: Type.Integer(),
            threshold_ms: Type.Number({ description: "The rule's max_duration when the log was scanned" }),
          }),
          Type.Null(),
        ],
        { description: 'The violation recorded for this log (the latest, if rules changed); null when none' },
      ),
    }),
  ),
});

export const SlowestTracesOutput = Type.Object({
  from: Time(),
  to: Time(),
  app_name: NullableString(),
  traces: Type.Array(
    Type.Object({
      correlation_id: Type.String(),
      app_name: NullableString('App of the slowest log'),
      message_key: NullableString('Message key of the slowest log'),
      max_duration_ms: Type.Number({ description: 'The worst duration of the id in the range' }),
      logs: Type.Integer({ description: "The id's logs in the range (of app_name, when given)" }),
      time: Time('Time of the slowest log'),
    }),
    { description: 'Slowest first, then by correlation id' },
  ),
});

export const ViolationPageOutput = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      app_name: Type.String(),
      message_key: NullableString(),
      duration_ms: Type.Number(),
      rule_type: RuleType,
      rule_id: Type.Integer(),
      threshold_ms: Type.Number({ description: "The deciding rule's max_duration when the log was scanned" }),
      log_time: Time(),
      correlation_id: NullableString(),
      level: NullableString(),
      message: NullableString(),
      source_id: Type.String(),
      recorded_at: Time(),
    }),
  ),
  total: Type.Integer(),
  page: Type.Integer(),
  per_page: Type.Integer(),
  totals: Type.Object({
    count: Type.Integer(),
    worst_ms: NullableNumber(),
    avg_ms: NullableNumber(),
    first_time: NullableTime(),
    last_time: NullableTime(),
    rules: Type.Array(
      Type.Object({
        rule_type: RuleType,
        rule_id: Type.Integer(),
        threshold_ms: Type.Number(),
        count: Type.Integer(),
      }),
    ),
  }),
});

export const ViolationHistogramOutput = Type.Object({
  from: Time('Start of the range (inclusive)'),
  to: Time('End of the range (exclusive)'),
  interval: Type.String({ description: 'Bucket width, e.g. 5m' }),
  interval_ms: Type.Integer(),
  buckets: Type.Array(
    Type.Object({
      time: Time('Bucket start (aligned to the epoch)'),
      count: Type.Integer({ description: 'Violations matching the filter with a log time in the bucket' }),
    }),
    { description: 'Every bucket of the range, oldest first, empty ones included' },
  ),
});

export const ViolationBreakdownOutput = Type.Object({
  by: Type.Union([Type.Literal('key'), Type.Literal('rule'), Type.Literal('level')]),
  from: Time('Start of the range (inclusive)'),
  to: Time('End of the range (exclusive)'),
  total: Type.Integer({ description: 'Violations matching the filter' }),
  groups: Type.Integer({ description: 'How many groups there are; items holds the largest of them' }),
  items: Type.Array(
    Type.Object({
      value: NullableString('The message key or level (null: none recorded; always null when by=rule)'),
      rule_type: Type.Optional(RuleType),
      rule_id: Type.Optional(Type.Integer()),
      app_name: Type.Optional(Type.String({ description: "The rule's app (by=rule)" })),
      message_key: Type.Optional(Type.String({ description: "A message rule's key (by=rule)" })),
      count: Type.Integer({ description: 'Violations of this group matching the filter' }),
    }),
    { description: 'The largest groups, most violations first (ties by value)' },
  ),
  other: Type.Integer({ description: 'Violations in the groups not listed' }),
});

export const DashboardSettingsOutput = Type.Object({
  dashboard_max_days: Type.Integer({
    description: 'Longest range (days) the dashboard endpoints accept (DASHBOARD_MAX_DAYS)',
  }),
});

export const ServerStatusOutput = Type.Object({
  ok: Type.Boolean(),
  problems: Type.Array(Type.String()),
  version: Type.String(),
  node_version: Type.String(),
  hostname: Type.String(),
  pid: Type.Integer(),
  started_at: Time(),
  uptime_seconds: Type.Integer(),
  memory: Type.Object({
    rss_bytes: Type.Integer(),
    heap_used_bytes: Type.Integer(),
    heap_total_bytes: Type.Integer(),
    external_bytes: Type.Integer(),
  }),
  load_average: Type.Array(Type.Number(), { description: '1, 5 and 15 minutes' }),
  cpus: Type.Integer(),
  log_source: Type.Object({
    kind: Type.Union([Type.Literal('embedded'), Type.Literal('elasticsearch')]),
    ok: Type.Boolean(),
    description: NullableString(),
    version: NullableString(),
    error: NullableString(),
  }),
  database: Type.Object({
    driver: Type.String(),
    ok: Type.Boolean(),
    server_version: NullableString(),
    error: NullableString(),
  }),
  redis: Type.Union([
    Type.Object({
      ok: Type.Boolean(),
      host: Type.String(),
      port: Type.Integer(),
      db: Type.Integer(),
      version: NullableString(),
      latency_ms: NullableNumber(),
      error: NullableString(),
    }),
    Type.Null(),
  ]),
  last_scan: Type.Union([
    Type.Object({
      id: Type.Integer(),
      command: Type.String(),
      status: Type.String(),
      started_at: Time(),
      finished_at: NullableTime(),
      duration_ms: NullableNumber(),
      logs_scanned: Type.Integer(),
      violations: Type.Integer(),
      alerts: Type.Integer(),
      error: NullableString(),
      host: Type.String(),
      pid: Type.Integer(),
    }),
    Type.Null(),
  ]),
  checkpoint_lag_seconds: NullableNumber('Now minus the watermark of the current source; null before the first scan'),
  checkpoints: Type.Array(
    Type.Object({
      source_key: Type.String(),
      watermark: Time(),
      lag_seconds: Type.Number(),
      updated_at: Time(),
    }),
  ),
  outbox: Type.Object({
    pending: Type.Integer({ description: 'alert_log rows waiting to be sent' }),
    oldest_pending_age_seconds: NullableNumber(),
  }),
  events: Type.Union(
    [
      Type.Object({
        transport: Type.Union([Type.Literal('local'), Type.Literal('redis'), Type.Literal('database')]),
        description: Type.String(),
        receiving: Type.Boolean({ description: "true while this process relays other processes' events to /events" }),
        published: Type.Integer({ description: 'events this process shared with the other processes' }),
        failed: Type.Integer({ description: 'events this process could not share (logged)' }),
        received: Type.Integer({ description: 'events received from other processes' }),
        last_error: NullableString(),
        last_error_at: NullableTime(),
      }),
      Type.Null(),
    ],
    { description: 'How live events travel between lagwatch processes (Redis pub/sub or the state database)' },
  ),
  rules_file: Type.Union(
    [
      Type.Object({
        path: Type.String(),
        prune: Type.Boolean({ description: 'RULES_FILE_PRUNE: rules and targets it no longer lists are deleted' }),
        status: Type.Union(
          [Type.Literal('pending'), Type.Literal('applied'), Type.Literal('invalid'), Type.Literal('failed')],
          {
            description:
              'applied: the last attempt succeeded; invalid: the file has problems and failed: the apply failed (nothing was changed, the rules applied before stay)',
          },
        ),
        applied_at: NullableTime('The last successful apply'),
        checked_at: NullableTime('The last attempt (start-up or SIGHUP)'),
        changes: Type.Union([
          Type.Object({
            created: Type.Integer(),
            updated: Type.Integer(),
            deleted: Type.Integer(),
            released: Type.Integer(),
            unchanged: Type.Integer(),
          }),
          Type.Null(),
        ]),
        problems: Type.Array(
          Type.Object({ line: Type.Integer(), column: Type.Integer(), path: Type.String(), message: Type.String() }),
        ),
        error: NullableString('Why the last apply failed'),
      }),
      Type.Null(),
    ],
    { description: 'The RULES_FILE this process applies at start-up and on SIGHUP; null when it applies none' },
  ),
});
