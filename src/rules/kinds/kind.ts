import type { TObject, TProperties, TSchema } from 'typebox';
import type { Page, PageRequest } from '../../db/page.js';
import type { WindowQuery, WindowSeries } from '../../logs/window-stats.js';
import type { Problem } from '../../validation/problems.js';
import type { ChannelType, Managed, WriteOptions } from '../types.js';

/**
 * A rule kind: one module that declares its schemas, where its rules are stored, and (window
 * kinds) how it is evaluated against a log source and how its findings are described. The
 * registry (registry.ts) lists them; the API, the CLI, the scan and the alert pipeline derive
 * from that list.
 */

/** Fields every rule of every kind carries. */
export interface RuleCommon extends Managed {
  id: number;
  app_name: string;
  is_active: boolean;
  alert_channels: ChannelType[];
  cooldown_minutes: number;
  notify_resolved: boolean;
  created_at: string;
  updated_at: string;
}

/** List filters every kind's collection accepts (a kind may add its own, e.g. message_key). */
export interface RuleListFilter {
  app_name?: string;
  message_key?: string;
  is_active?: boolean;
}

/**
 * Where one kind's rules live: the same operations for every kind. Each change is recorded in
 * the audit log as `actor`'s (`token:<name>`, `cli`, …) in the change's own transaction.
 */
export interface RuleStore<R extends RuleCommon = RuleCommon> {
  list(filter: RuleListFilter, page: PageRequest): Promise<Page<R>>;
  all(): Promise<R[]>;
  get(id: number): Promise<R>;
  create(input: unknown, actor: string, options?: WriteOptions): Promise<R>;
  update(id: number, patch: unknown, actor: string, options?: WriteOptions): Promise<R>;
  /** Refused (409 managed_by_file) for a rule a rules file manages, unless `options.managedBy` is given. */
  delete(id: number, actor: string, options?: WriteOptions): Promise<void>;
}

/** The stores a kind binds to (built once by the application context). */
export interface RuleStores {
  appRules: RuleStore;
  messageRules: RuleStore;
  /** The store of a window kind's rules (one table for all of them). */
  windowRules(kind: string): RuleStore;
}

interface KindBase {
  /** The path segment and `kind` value: `/rules/<name>`. */
  readonly name: string;
  /** Singular words for messages and the CLI: "app rule", "latency rule". */
  readonly label: string;
  /** OpenAPI tag of its routes. */
  readonly tag: string;
  readonly createSchema: TSchema;
  readonly updateSchema: TSchema;
  readonly outputSchema: TSchema;
  /** Filters of `GET /rules/<name>` besides paging (each a RuleListFilter field). */
  readonly listFilters: TProperties;
  /** The store its rules live in. */
  store(stores: RuleStores): RuleStore;
  /** One line for `check:rules`: what the rule judges. */
  summary(rule: RuleCommon): string;
}

/** Kinds judged log by log while scanning: a violation per log over the threshold. */
export interface PerLogKindModule extends KindBase {
  readonly family: 'per_log';
}

/** The unit a window kind's value is in. */
export type ValueUnit = 'ms' | '%' | 'logs' | '×';

/** The severities a notification may carry (the alert pipeline's AlertSeverity: PagerDuty's). */
export type FindingSeverity = 'critical' | 'error' | 'warning' | 'info';

/** Figures a kind adds to a finding beyond value and threshold (slo: both burn rates, the budget left). */
export type FindingDetails = Record<string, number | string | null>;

/** What a window kind found for one series at one evaluation. */
export interface SeriesFinding {
  /** '' for the rule's one series, else the message key (per_key). */
  seriesKey: string;
  /** The series' message key: the rule's, or with per_key the series' own. */
  messageKey: string | null;
  statistic: string;
  value: number | null;
  unit: ValueUnit;
  /** Logs the value was taken over. */
  samples: number;
  /** The value the condition compares with (baseline: ratio × baseline value). */
  threshold: number | null;
  baselineValue: number | null;
  /** Whether the window had enough samples to be judged; not judged: the series keeps its state. */
  judged: boolean;
  /** The condition holds (ok → pending → firing). */
  holds: boolean;
  /** A firing series resolves (latency: value <= resolve_threshold; absence: a log arrived). */
  clears: boolean;
  windowFrom: number;
  windowTo: number;
  /** The kind's own figures (webhook: evaluation.details; its sentence may say them). */
  details?: FindingDetails;
  /** How urgent its notifications are for channels that page (slo: the fastest burn alert pages). */
  severity?: FindingSeverity;
}

/** Context a window kind's description gets (text from logs already made one-line and bounded). */
export interface DescribeInput<R> {
  rule: R;
  finding: SeriesFinding;
  app: string;
  messageKey: string | null;
  event: 'alert' | 'reminder' | 'resolved';
  /** Log time the incident started firing. */
  startedAt: number;
  /** Resolved: log time it resolved. */
  resolvedAt?: number;
  /** Absence: log time of the last log seen before the silence, when known. */
  lastSeenAt?: number | null;
}

/** Kinds judged over a window of log time at every scan, one state machine per series. */
export interface WindowKindModule<R extends WindowRule = WindowRule> extends KindBase {
  readonly family: 'window';
  /** The schema of its JSON definition column (the kind's own fields, defaults applied). */
  readonly definitionSchema: TSchema;
  /** The kind's own fields of a create body, defaults applied. */
  definitionOf(input: Record<string, unknown>): Record<string, unknown>;
  /** Problems a schema cannot express (exactly one of two fields, one field bounded by another). */
  check(rule: Record<string, unknown>): Problem[];
  /** Minutes the condition must hold before firing. */
  pendingMinutes(rule: R): number;
  /** Preview body: like create, without requiring a name. */
  readonly previewSchema: TSchema;
  /** The window statistics questions an evaluation ending at `end` asks. */
  queries(rule: R, end: number): WindowQuery[];
  /** Judges the answers to `queries` (same order) into one finding per series. */
  judge(rule: R, answers: WindowSeries[][], end: number): SeriesFinding[];
  /** Extra questions asked only when a series starts firing (absence: when the last log was). */
  lastSeen?(
    rule: R,
    finding: SeriesFinding,
    read: (q: WindowQuery[]) => Promise<WindowSeries[][]>,
  ): Promise<number | null>;
  /**
   * Extra figures asked only when a series alerts, reminds or resolves (slo: the budget left
   * over the whole period), merged into the finding's details before it is described.
   */
  eventDetails?(
    rule: R,
    finding: SeriesFinding,
    read: (q: WindowQuery[]) => Promise<WindowSeries[][]>,
  ): Promise<FindingDetails>;
  /** The sentence a notification says, e.g. "checkout: p95 1,240 ms over the last 5 min > 800 ms (412 logs)". */
  describe(input: DescribeInput<R>): string;
  /** Bucket width (ms) of an incident's chart. */
  chartStepMs(rule: R): number;
  /** One query per chart point: the statistic of a series over one bucket. */
  chartQuery(rule: R, messageKey: string | null, range: { from: number; to: number }): WindowQuery;
  /** A chart point's value from its answer (latency: the statistic; absence: the logs). */
  chartValue(series: WindowSeries, rule: R): number | null;
  /** Read-only figures about one stored rule, each at `GET /rules/<kind>/{id}/<name>`. */
  readonly reports?: readonly RuleReport<R>[];
}

/** What a report is computed from. */
export interface RuleReportInput<R> {
  rule: R;
  read: (q: WindowQuery[]) => Promise<WindowSeries[][]>;
  /** Wall-clock time: reports cover the time up to now. */
  now: number;
  /** Whether a series of the rule is firing now. */
  firing: boolean;
  /** The request's query string, checked against `query`. */
  query: Record<string, unknown>;
}

/** A read-only figure about one stored rule of a window kind (slo: status, history). */
export interface RuleReport<R = WindowRule> {
  /** The path segment after the rule's id. */
  readonly name: string;
  readonly summary: string;
  readonly query: TObject;
  readonly output: TSchema;
  compute(input: RuleReportInput<R>): Promise<unknown>;
}

/** A stored rule of a window kind: the shared columns plus its definition's fields. */
export interface WindowRule extends RuleCommon {
  kind: string;
  name: string;
  message_key: string | null;
  [field: string]: unknown;
}

export type RuleKindModule = PerLogKindModule | WindowKindModule;
