import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { TELEGRAM_CHAT_ID } from '../validation/telegram-ids.js';
import { apiTokenProblem } from './api-token.js';
import {
  type Config,
  type DurationUnit,
  type FieldPreset,
  type LogFieldNames,
  OTLP_SPAN_KINDS,
  type OtlpSpanKind,
  type SelfAlertChannel,
} from './config.js';
import { EnvReader } from './env-reader.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const FIELD_PRESETS: Record<FieldPreset, LogFieldNames> = {
  default: {
    timestamp: '@timestamp',
    app: 'app_name',
    messageKey: 'message_key',
    duration: 'duration',
    durationUnit: 'ms',
    correlationId: 'correlation_id',
    level: 'level',
    message: 'message',
  },
  ecs: {
    timestamp: '@timestamp',
    app: 'service.name',
    messageKey: 'event.action',
    duration: 'event.duration',
    durationUnit: 'ns',
    correlationId: 'trace.id',
    level: 'log.level',
    message: 'message',
  },
};

const DB_DEFAULT_PORTS = { sqlite: 0, mysql: 3306, postgres: 5432 } as const;

/**
 * Reads `.env` (when present; real environment variables win over it) and validates every
 * variable. Throws ConfigError listing every problem.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  envFile: string | undefined = '.env',
): Config {
  const merged = { ...readEnvFile(envFile), ...env };
  const r = new EnvReader(merged);

  const port = r.int('PORT', 9501, 1, 65535);
  const host = r.string('HOST', '127.0.0.1');
  const driver = r.oneOf('DB_DRIVER', ['sqlite', 'mysql', 'postgres'] as const, 'sqlite');
  const logSource = r.oneOf('LOG_SOURCE', ['embedded', 'elasticsearch'] as const, 'embedded');

  const preset = r.oneOf('LOG_FIELDS', ['default', 'ecs'] as const, 'default');
  const base = FIELD_PRESETS[preset];
  const fields: LogFieldNames = {
    timestamp: r.string('FIELD_TIMESTAMP', base.timestamp),
    app: r.string('FIELD_APP', base.app),
    messageKey: r.string('FIELD_MESSAGE_KEY', base.messageKey),
    duration: r.string('FIELD_DURATION', base.duration),
    durationUnit: r.oneOf<DurationUnit>('DURATION_UNIT', ['ms', 's', 'us', 'ns'], base.durationUnit),
    correlationId: r.string('FIELD_CORRELATION_ID', base.correlationId),
    level: r.string('FIELD_LEVEL', base.level),
    message: r.string('FIELD_MESSAGE', base.message),
    ingested: r.optional('FIELD_INGESTED'),
  };

  const esHosts = r.list('ELASTICSEARCH_HOST').map((h) => r.url('ELASTICSEARCH_HOST', h));
  if (logSource === 'elasticsearch' && esHosts.length === 0) {
    r.problem('ELASTICSEARCH_HOST: required when LOG_SOURCE=elasticsearch (one or more URLs, comma separated)');
  }
  const esIndices = r.list('ELASTICSEARCH_INDICES');
  const indexPrefix = r.optional('ELASTICSEARCH_INDEX_PREFIX');
  if (logSource === 'elasticsearch' && esIndices.length === 0 && indexPrefix === undefined) {
    r.problem('ELASTICSEARCH_INDEX_PREFIX: set it (or ELASTICSEARCH_INDICES) when LOG_SOURCE=elasticsearch');
  }
  const caFile = r.optional('ELASTICSEARCH_CA_FILE');
  if (caFile !== undefined && !existsSync(caFile)) {
    r.problem(`ELASTICSEARCH_CA_FILE: file "${caFile}" does not exist`);
  }

  const redisHost = r.optional('REDIS_HOST');
  const redis = redisHost
    ? {
        host: redisHost,
        port: r.int('REDIS_PORT', 6379, 1, 65535),
        password: r.optional('REDIS_AUTH'),
        db: r.int('REDIS_DB', 0, 0, 1_000),
      }
    : undefined;

  const apiToken = r.optional('API_TOKEN');
  const tokenProblem = apiToken === undefined ? undefined : apiTokenProblem(apiToken);
  if (tokenProblem) r.problem(tokenProblem);

  const telegramApiBase = r.url('TELEGRAM_API_BASE', r.string('TELEGRAM_API_BASE', 'https://api.telegram.org'));
  const chatId = r.optional('TELEGRAM_CHAT_ID');
  const groupId = r.optional('TELEGRAM_GROUP_ID');
  for (const [name, value] of [
    ['TELEGRAM_CHAT_ID', chatId],
    ['TELEGRAM_GROUP_ID', groupId],
  ] as const) {
    if (value !== undefined && !TELEGRAM_CHAT_ID.test(value)) {
      r.problem(
        `${name}: "${value}" is not a Telegram chat id (a number without leading zeros, not 0, negative for groups; or @channelname)`,
      );
    }
  }

  const encryption = r.oneOf('MAIL_ENCRYPTION', ['tls', 'ssl', 'none'] as const, 'tls');
  const mailPort = r.int('MAIL_PORT', encryption === 'ssl' ? 465 : 587, 1, 65535);
  const fromAddress = r.string('MAIL_FROM_ADDRESS', 'lagwatch@localhost');
  if (!fromAddress.includes('@')) r.problem(`MAIL_FROM_ADDRESS: "${fromAddress}" is not an email address`);

  const ingestBodyIdleTimeoutSeconds = r.int('INGEST_BODY_IDLE_TIMEOUT_SECONDS', 5, 1, 300);
  const ingestBodyTimeoutSeconds = r.int('INGEST_BODY_TIMEOUT_SECONDS', 120, 1, 3600);
  if (ingestBodyTimeoutSeconds < ingestBodyIdleTimeoutSeconds) {
    r.problem(
      `INGEST_BODY_TIMEOUT_SECONDS: ${ingestBodyTimeoutSeconds} is shorter than INGEST_BODY_IDLE_TIMEOUT_SECONDS (${ingestBodyIdleTimeoutSeconds})`,
    );
  }

  const publicUrl = r.url(
    'PUBLIC_URL',
    r.string('PUBLIC_URL', `http://${host.includes(':') ? `[${host}]` : host}:${port}`),
  );

  const config: Config = {
    port,
    host,
    apiToken,
    corsOrigins: r.list('CORS_ORIGINS'),
    publicUrl,
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    db: {
      driver,
      host: r.string('DB_HOST', '127.0.0.1'),
      port: r.int('DB_PORT', DB_DEFAULT_PORTS[driver], 0, 65535),
      database: r.string('DB_DATABASE', driver === 'sqlite' ? 'data/lagwatch.db' : 'lagwatch'),
      username: r.string('DB_USERNAME', driver === 'postgres' ? 'postgres' : 'root'),
      password: r.optional('DB_PASSWORD'),
    },
    logSource,
    embedded: {
      path: r.string('EMBEDDED_LOG_DB', 'data/logs.db'),
      retentionDays: r.int('EMBEDDED_RETENTION_DAYS', 7, 1, 3650),
      ingestMaxBytes: r.int('INGEST_MAX_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      ingestMaxConcurrent: r.int('INGEST_MAX_CONCURRENT', 2, 1, 64),
      ingestMaxLines: r.int('INGEST_MAX_LINES', 1_000_000, 1, 100_000_000),
      ingestBodyIdleTimeoutSeconds,
      ingestBodyTimeoutSeconds,
    },
    elasticsearch: {
      hosts: esHosts,
      username: r.optional('ELASTICSEARCH_USERNAME'),
      password: r.optional('ELASTICSEARCH_PASSWORD'),
      apiKey: r.optional('ELASTICSEARCH_API_KEY'),
      caFile,
      indexPrefix,
      indices: esIndices,
      requestTimeoutMs: r.int('ELASTICSEARCH_TIMEOUT_MS', 30_000, 100, 600_000),
    },
    fields,
    otlpSpanKinds: otlpSpanKinds(r),
    redis,
    telegram: {
      botToken: r.optional('TELEGRAM_BOT_TOKEN'),
      chatId,
      groupId,
      apiBase: telegramApiBase,
      updates: r.oneOf('TELEGRAM_UPDATES', ['on', 'off'] as const, 'on') === 'on',
    },
    mail: {
      host: r.optional('MAIL_HOST'),
      port: mailPort,
      username: r.optional('MAIL_USERNAME'),
      password: r.optional('MAIL_PASSWORD'),
      encryption,
      fromAddress,
      fromName: r.string('MAIL_FROM_NAME', 'lagwatch'),
    },
    webhookSecret: r.optional('WEBHOOK_SECRET'),
    webhookDenyPrivate: r.oneOf('WEBHOOK_DENY_PRIVATE', ['true', 'false'] as const, 'false') === 'true',
    pagerdutyEventsUrl: r.url(
      'PAGERDUTY_EVENTS_URL',
      r.string('PAGERDUTY_EVENTS_URL', 'https://events.pagerduty.com/v2/enqueue'),
    ),
    scan: {
      intervalSeconds: r.int('SCAN_INTERVAL_SECONDS', 30, 0, 86_400),
      lagSeconds: r.int('SCAN_LAG_SECONDS', 1, 0, 86_400),
      initialLookbackMinutes: r.int('SCAN_INITIAL_LOOKBACK_MINUTES', 1440, 0, 525_600),
      batchSize: r.int('SCAN_BATCH_SIZE', 5000, 10, 100_000),
      overlapSeconds: r.int('SCAN_OVERLAP_SECONDS', 900, 0, 86_400),
      probeSeconds: r.int('SCAN_PROBE_SECONDS', 2, 0, 3600),
    },
    dashboardMaxDays: r.int('DASHBOARD_MAX_DAYS', 31, 1, 3650),
    selfAlerts: {
      afterMinutes: r.int('SELF_ALERT_AFTER_MINUTES', 5, 0, 10_080),
      channels: selfAlertChannels(r),
    },
    rulesFile: rulesFile(r),
    events: {
      maxSubscribers: r.int('EVENTS_MAX_SUBSCRIBERS', 100, 1, 10_000),
      maxBufferedBytes: r.int('EVENTS_MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function readEnvFile(path: string | undefined): Record<string, string> {
  if (path === undefined || !existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** RULES_FILE and RULES_FILE_PRUNE (which means nothing without a file). */
function rulesFile(r: EnvReader): Config['rulesFile'] {
  const path = r.optional('RULES_FILE');
  const prune = r.oneOf('RULES_FILE_PRUNE', ['true', 'false'] as const, 'false') === 'true';
  if (path === undefined) {
    if (prune) r.problem('RULES_FILE_PRUNE: needs RULES_FILE (the rules file whose absent rules it deletes)');
    return undefined;
  }
  return { path, prune };
}

/** OTLP_SPAN_KINDS: a comma-separated list of span kinds, each named once. */
function otlpSpanKinds(r: EnvReader): OtlpSpanKind[] {
  const given = r.list('OTLP_SPAN_KINDS');
  if (given.length === 0) return ['server', 'consumer', 'root'];
  const kinds: OtlpSpanKind[] = [];
  for (const name of given) {
    const kind = name.toLowerCase() as OtlpSpanKind;
    if (!OTLP_SPAN_KINDS.includes(kind)) {
      r.problem(`OTLP_SPAN_KINDS: "${name.slice(0, 40)}" is not one of ${OTLP_SPAN_KINDS.join(', ')}`);
    } else if (!kinds.includes(kind)) kinds.push(kind);
  }
  return kinds;
}

/**
 * SELF_ALERT_CHANNELS: comma-separated alert target ids (`3`) and channel types (`email`: every
 * active target of that type). Types are checked for shape here; one no channel has matches
 * no target.
 */
function selfAlertChannels(r: EnvReader): SelfAlertChannel[] {
  const entries: SelfAlertChannel[] = [];
  for (const entry of r.list('SELF_ALERT_CHANNELS')) {
    if (/^[1-9]\d{0,9}$/.test(entry)) entries.push({ targetId: Number(entry) });
    else if (/^[a-z][a-z_]{0,31}$/.test(entry)) entries.push({ type: entry });
    else {
      // An address given by mistake (a webhook URL, a routing key) is a secret: not echoed.
      const shown = /^[\w.-]{1,40}$/.test(entry) ? `"${entry}"` : 'an entry (not shown: it may be an address)';
      r.problem(
        `SELF_ALERT_CHANNELS: ${shown} is neither an alert target id nor a channel type (e.g. 3, email, webhook)`,
      );
    }
  }
  return entries;
}
