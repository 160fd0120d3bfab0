import type { Generated } from 'kysely';

/**
 * The state database. Times are epoch milliseconds (UTC) in BIGINT columns on every driver,
 * which keeps millisecond precision and sidesteps each driver's time-zone conversions.
 * Booleans are small integers (0/1) on every driver for the same reason.
 */
export interface Database {
  app_rules: AppRuleTable;
  message_rules: MessageRuleTable;
  alert_targets: AlertTargetTable;
  violations: ViolationTable;
  alert_log: AlertLogTable;
  checkpoints: CheckpointTable;
  table_revisions: TableRevisionTable;
  cron_logs: CronLogTable;
  cooldowns: CooldownTable;
  leases: LeaseTable;
  judged_rules: JudgedRuleTable;
  silences: SilenceTable;
  alert_episodes: AlertEpisodeTable;
  telegram_offsets: TelegramOffsetTable;
  event_log: EventLogTable;
  recorded_candidates: RecordedCandidateTable;
  window_rules: WindowRuleTable;
  rule_series: RuleSeriesTable;
  incidents: IncidentTable;
  self_alerts: SelfAlertTable;
  api_tokens: ApiTokenTable;
  audit_log: AuditLogTable;
}

/** An API token (src/access/token-repository.ts): only the SHA-256 of its secret is kept. */
export interface ApiTokenTable {
  id: Generated<number>;
  name: string;
  scope: 'ingest' | 'read' | 'write' | 'admin';
  /** Hex SHA-256 of the secret. */
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  /** Updated at most once a minute per token and process. */
  last_used_at: number | null;
  revoked_at: number | null;
}

/** One change to a rule, target, silence or token (src/audit/audit-log.ts owns its SQL). */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  entity: string;
  /** The id as text; a rule's with its kind: `latency:12`. */
  entity_id: string;
  /** The entity as the API answers it (secrets masked), JSON; null on create. */
  before: string | null;
  /** The same after the change, JSON; null on delete. */
  after: string | null;
}

/** A condition lagwatch watches in itself (see src/self-monitoring/self-alert-state.ts). */
export interface SelfAlertTable {
  id: Generated<number>;
  /** `scans_failing`, `channel_failing:target:<id>`, `scan_lease_stale:<source>` … */
  condition_key: string;
  condition: 'scans_failing' | 'channel_failing' | 'scan_lease_stale';
  /** What it is about, secret-free (a target's name, never its address). */
  subject: string;
  state: 'ok' | 'firing';
  /** When the condition started holding (while firing), epoch ms. */
  since: number | null;
  /** The last error, secret-free. */
  detail: string | null;
  alerted_at: number | null;
  resolved_at: number | null;
  updated_at: number;
}

/** Rules of the window kinds (latency, absence): shared columns, the kind's own fields as JSON. */
export interface WindowRuleTable {
  id: Generated<number>;
  kind: string;
  /** Unique across all rules. */
  name: string;
  app_name: string;
  message_key: string | null;
  is_active: number;
  alert_channels: string;
  cooldown_minutes: number;
  notify_resolved: number;
  /** The kind's own fields as JSON, validated by its schema. */
  definition: string;
  /** The rules file that manages it, or null (migration 017). */
  managed_by: string | null;
  created_at: number;
  updated_at: number;
}

/** A window rule's series (the rule, or the rule and one message key) between evaluations. */
export interface RuleSeriesTable {
  /** `<kind>:<id>`. */
  rule_key: string;
  /** '' for the rule's one series, else the message key (per_key). */
  series_key: string;
  state: 'ok' | 'pending' | 'firing';
  /** Log time the condition started holding (pending), epoch ms. */
  pending_since: number | null;
  last_value: number | null;
  last_samples: number;
  last_evaluated_at: number;
  /** Wall-clock time of the last alert or reminder queued for the series. */
  last_notified_at: number | null;
  /** The open incident while firing. */
  incident_id: number | null;
}

/** One firing of a window rule's series. */
export interface IncidentTable {
  id: Generated<number>;
  rule_type: string;
  rule_id: number;
  name: string;
  app_name: string;
  message_key: string | null;
  state: 'firing' | 'resolved';
  started_at: number;
  resolved_at: number | null;
  value: number | null;
  peak_value: number | null;
  threshold: number | null;
  baseline_value: number | null;
  unit: string;
  samples: number;
  updated_at: number;
}

/** Live events shared between processes without Redis (see src/events/event-log.ts). */
/** Candidates an Elasticsearch checkpoint scan recorded inside the next scan's overlap (migration 012). */
export interface RecordedCandidateTable {
  id: Generated<number>;
  source_key: string;
  /** `<index>/<_id>`. */
  doc_key: string;
  /** The time its scan window counted it by, epoch ms. */
  seen_time: number;
}

export interface EventLogTable {
  id: Generated<number>;
  /** The publishing process's EventBus origin id: a process skips its own rows. */
  origin: string;
  type: string;
  /** The event's data, as JSON. */
  data: string;
  created_at: number;
}

/** The rules a log source's checkpoint scans have judged (see src/scan/judged-rules.ts). */
export interface JudgedRuleTable {
  source_key: string;
  /** `app:<id>` or `message:<id>`. */
  rule_key: string;
  judged_at: number;
}

export interface AppRuleTable {
  id: Generated<number>;
  app_name: string;
  max_duration: number;
  is_active: number;
  alert_channels: string;
  cooldown_minutes: number;
  /** Count window: notify only once min_count violations fall within window_minutes (0: off). */
  min_count: number;
  window_minutes: number;
  notify_resolved: number;
  resolve_after_minutes: number;
  /** The rules file that manages it, or null (migration 017). */
  managed_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface MessageRuleTable extends AppRuleTable {
  message_key: string;
}

export interface AlertTargetTable {
  id: Generated<number>;
  name: string;
  type: string;
  external_id: string;
  is_active: number;
  /** The rules file that manages it, or null (migration 017). */
  managed_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface ViolationTable {
  id: Generated<number>;
  /** sha256 of source id, rule type and rule id: one row per log and rule, on every driver. */
  dedupe_key: string;
  source_id: string;
  rule_type: 'app' | 'message';
  rule_id: number;
  app_name: string;
  message_key: string | null;
  duration_ms: number;
  threshold_ms: number;
  log_time: number;
  correlation_id: string | null;
  level: string | null;
  message: string | null;
  created_at: number;
}

export interface AlertLogTable {
  id: Generated<number>;
  /** The rule's kind: app, message, latency, absence. */
  rule_type: string;
  rule_id: number;
  app_name: string;
  message_key: string | null;
  /**
   * Channel type (telegram_chat, email, webhook, slack, …); on a row no target took, the rule's
   * channel types comma-joined (varchar(255)).
   */
  channel: string;
  /** Where it goes: chat id, email address or webhook URL. */
  destination: string;
  target_id: number | null;
  status: 'pending' | 'sent' | 'failed' | 'suppressed' | 'silenced';
  /** Defaults to 'alert' (rows written before notifications had kinds). */
  kind: Generated<'alert' | 'resolved'>;
  /** The silence that held a `silenced` row back. */
  silence_id: number | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  violation_count: number;
  /** The grouped notification as JSON, rendered per channel at send time. */
  payload: string;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  /** The cron_logs id of the scan that queued it. */
  scan_id: number | null;
  /** Channel progress as JSON, e.g. Telegram parts already accepted. */
  progress: string | null;
  /** Who claimed the row for sending (host:pid:random), while pending; see Outbox. */
  claimed_by: string | null;
}

export interface CheckpointTable {
  source_key: string;
  /** Opaque JSON cursor of the log source (embedded sequence, Elasticsearch watermark). */
  cursor: string;
  /** Log time up to which everything has been scanned, epoch ms. */
  watermark: number;
  updated_at: number;
}

/** One row per rule table, bumped with every write to it (see RuleListCache). */
export interface TableRevisionTable {
  // rules_file: no table, the lock that serialises rules-as-code applies (src/rules/file/apply.ts).
  table_name: 'app_rules' | 'message_rules' | 'window_rules' | 'api_tokens' | 'rules_file';
  revision: number;
}

export interface CronLogTable {
  id: Generated<number>;
  command: string;
  started_at: number;
  finished_at: number | null;
  status: 'running' | 'success' | 'failed' | 'skipped';
  logs_scanned: number;
  violations: number;
  alerts: number;
  error: string | null;
  host: string;
  pid: number;
}

export interface CooldownTable {
  rule_key: string;
  last_sent_at: number;
  until_at: number;
}

export interface LeaseTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface SilenceTable {
  id: Generated<number>;
  app_name: string;
  /** null: every notification of the app. */
  message_key: string | null;
  starts_at: number;
  ends_at: number;
  comment: string | null;
  created_by: string;
  created_at: number;
  /** Unique when set: what created the silence (e.g. one Telegram update), so a replay creates none. */
  origin_key: string | null;
}

/** A rule that alerted and has not resolved yet (resolved notifications close it). */
export interface AlertEpisodeTable {
  rule_key: string;
  rule_type: 'app' | 'message';
  rule_id: number;
  /** Log time of the first violation the alert reported, epoch ms. */
  first_at: number;
  alerted_at: number;
}

/** The getUpdates offset per bot, and how its poller last fared (for diagnose). */
export interface TelegramOffsetTable {
  bot_id: string;
  next_offset: number;
  updated_at: number;
  last_ok_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
}
