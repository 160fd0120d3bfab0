/** The validated configuration every part of lagwatch receives. Built by `loadConfig`. */
export type DbDriver = 'sqlite' | 'mysql' | 'postgres';
export type LogSourceKind = 'embedded' | 'elasticsearch';
export type DurationUnit = 'ms' | 's' | 'us' | 'ns';
export type FieldPreset = 'default' | 'ecs';
export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogFieldNames {
  timestamp: string;
  app: string;
  messageKey: string;
  duration: string;
  durationUnit: DurationUnit;
  correlationId: string;
  level: string;
  message: string;
  /** When set, Elasticsearch checkpoint windows go by this ingest-time field (`event.ingested`). */
  ingested?: string | undefined;
}

export interface DatabaseConfig {
  driver: DbDriver;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string | undefined;
}

export interface ElasticsearchConfig {
  hosts: string[];
  username: string | undefined;
  password: string | undefined;
  apiKey: string | undefined;
  caFile: string | undefined;
  indexPrefix: string | undefined;
  indices: string[];
  requestTimeoutMs: number;
}

export interface RedisConfig {
  host: string;
  port: number;
  password: string | undefined;
  db: number;
}

export interface TelegramConfig {
  botToken: string | undefined;
  chatId: string | undefined;
  groupId: string | undefined;
  apiBase: string;
  /** Read button presses with getUpdates (TELEGRAM_UPDATES); off for bots whose updates go to a webhook. */
  updates: boolean;
}

export interface MailConfig {
  host: string | undefined;
  port: number;
  username: string | undefined;
  password: string | undefined;
  encryption: 'tls' | 'ssl' | 'none';
  fromAddress: string;
  fromName: string;
}

/** A span kind OTLP_SPAN_KINDS may name; `root` is any span without a parent, `all` every span. */
export const OTLP_SPAN_KINDS = ['server', 'consumer', 'root', 'client', 'producer', 'internal', 'all'] as const;
export type OtlpSpanKind = (typeof OTLP_SPAN_KINDS)[number];

export interface Config {
  port: number;
  host: string;
  apiToken: string | undefined;
  corsOrigins: string[];
  publicUrl: string;
  logLevel: LogLevelName;
  db: DatabaseConfig;
  logSource: LogSourceKind;
  embedded: {
    path: string;
    retentionDays: number;
    ingestMaxBytes: number;
    /** INGEST_MAX_CONCURRENT: POST /ingest requests read at once; more answer 503 with Retry-After. */
    ingestMaxConcurrent: number;
    /** INGEST_MAX_LINES: lines (blank ones too) one POST /ingest body may hold, after decompression. */
    ingestMaxLines: number;
    /** INGEST_BODY_IDLE_TIMEOUT_SECONDS: a body that sends nothing this long is answered 408. */
    ingestBodyIdleTimeoutSeconds: number;
    /** INGEST_BODY_TIMEOUT_SECONDS: a body not read whole within this is answered 408. */
    ingestBodyTimeoutSeconds: number;
  };
  elasticsearch: ElasticsearchConfig;
  fields: LogFieldNames;
  /** OTLP_SPAN_KINDS: which spans POST /v1/traces turns into logs. */
  otlpSpanKinds: OtlpSpanKind[];
  redis: RedisConfig | undefined;
  telegram: TelegramConfig;
  mail: MailConfig;
  webhookSecret: string | undefined;
  /** WEBHOOK_DENY_PRIVATE: refuse loopback, private and link-local webhook destinations. */
  webhookDenyPrivate: boolean;
  /** PAGERDUTY_EVENTS_URL: where PagerDuty events are sent (Events API v2 `enqueue`). */
  pagerdutyEventsUrl: string;
  scan: {
    intervalSeconds: number;
    lagSeconds: number;
    initialLookbackMinutes: number;
    batchSize: number;
    overlapSeconds: number;
    /** How often `start` asks Elasticsearch whether a scan would find something new; 0: never. */
    probeSeconds: number;
  };
  dashboardMaxDays: number;
  selfAlerts: SelfAlertConfig;
  /** RULES_FILE: the rules file `start` applies at start-up and on SIGHUP (RULES_FILE_PRUNE: deleting what it no longer lists). */
  rulesFile: { path: string; prune: boolean } | undefined;
  /** `GET /events`: streams open at once (more answer 503), and unsent bytes past which a stream is dropped. */
  events: { maxSubscribers: number; maxBufferedBytes: number };
}

/** Self-monitoring (SELF_ALERT_AFTER_MINUTES, SELF_ALERT_CHANNELS); see src/self-monitoring. */
export interface SelfAlertConfig {
  /** How long a condition holds before it is told; 0: self-alerts are off. */
  afterMinutes: number;
  /** Alert targets that get self-alerts besides the TELEGRAM_CHAT_ID / TELEGRAM_GROUP_ID defaults. */
  channels: SelfAlertChannel[];
}

/** A SELF_ALERT_CHANNELS entry: one target by id, or every active target of a channel type. */
export type SelfAlertChannel = { targetId: number } | { type: string };
