import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { redactConfig, scrubSecrets, secretsOf } from '../../src/config/redact.js';

const load = (env: Record<string, string>) => loadConfig(env, undefined);

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no configuration at all', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 9501,
      host: '127.0.0.1',
      apiToken: undefined,
      publicUrl: 'http://127.0.0.1:9501',
      logSource: 'embedded',
      embedded: { path: 'data/logs.db', retentionDays: 7, ingestMaxBytes: 32 * 1024 * 1024 },
      db: { driver: 'sqlite', database: 'data/lagwatch.db' },
      redis: undefined,
      scan: { intervalSeconds: 30, lagSeconds: 1, initialLookbackMinutes: 1440, overlapSeconds: 900 },
      telegram: { apiBase: 'https://api.telegram.org' },
      fields: { timestamp: '@timestamp', app: 'app_name', duration: 'duration', durationUnit: 'ms' },
    });
  });

  it('uses the ecs preset and lets each field be overridden', () => {
    const config = load({ LOG_FIELDS: 'ecs', FIELD_APP: 'labels.app', DURATION_UNIT: 'us' });
    expect(config.fields).toEqual({
      timestamp: '@timestamp',
      app: 'labels.app',
      messageKey: 'event.action',
      duration: 'event.duration',
      durationUnit: 'us',
      correlationId: 'trace.id',
      level: 'log.level',
      message: 'message',
    });
  });

  it('lists every problem, one line each, naming the variable and what is allowed', () => {
    const problems = problemsOf({
      PORT: '70000',
      DB_DRIVER: 'oracle',
      SCAN_INTERVAL_SECONDS: 'often',
      LOG_SOURCE: 'elasticsearch',
      TELEGRAM_CHAT_ID: 'my chat',
      TELEGRAM_API_BASE: 'ftp://x',
    });
    expect(problems).toHaveLength(7);
    expect(problems[0]).toMatch(/^PORT: 70000 is out of range \(allowed: 1 to 65535\)$/);
    expect(problems.join('\n')).toMatch(/DB_DRIVER: "oracle" is not allowed \(allowed: sqlite, mysql, postgres\)/);
    expect(problems.join('\n')).toMatch(/SCAN_INTERVAL_SECONDS: "often" is not a whole number/);
    expect(problems.join('\n')).toMatch(/ELASTICSEARCH_HOST: required when LOG_SOURCE=elasticsearch/);
    expect(problems.join('\n')).toMatch(/ELASTICSEARCH_INDEX_PREFIX/);
    expect(problems.join('\n')).toMatch(/TELEGRAM_CHAT_ID/);
    expect(problems.join('\n')).toMatch(/TELEGRAM_API_BASE/);
  });

  it('reads the request-body limits of POST /ingest, refusing timeouts out of range or out of order', () => {
    expect(load({}).embedded).toMatchObject({
      ingestMaxLines: 1_000_000,
      ingestBodyIdleTimeoutSeconds: 5,
      ingestBodyTimeoutSeconds: 120,
    });
    expect(
      load({ INGEST_MAX_LINES: '10', INGEST_BODY_IDLE_TIMEOUT_SECONDS: '2', INGEST_BODY_TIMEOUT_SECONDS: '30' })
        .embedded,
    ).toMatchObject({ ingestMaxLines: 10, ingestBodyIdleTimeoutSeconds: 2, ingestBodyTimeoutSeconds: 30 });
    expect(problemsOf({ INGEST_MAX_LINES: '0', INGEST_BODY_IDLE_TIMEOUT_SECONDS: '0.5' })).toEqual([
      'INGEST_BODY_IDLE_TIMEOUT_SECONDS: "0.5" is not a whole number (allowed: 1 to 300)',
      'INGEST_MAX_LINES: 0 is out of range (allowed: 1 to 100000000)',
    ]);
    expect(problemsOf({ INGEST_BODY_IDLE_TIMEOUT_SECONDS: '60', INGEST_BODY_TIMEOUT_SECONDS: '30' })).toEqual([
      'INGEST_BODY_TIMEOUT_SECONDS: 30 is shorter than INGEST_BODY_IDLE_TIMEOUT_SECONDS (60)',
    ]);
  });

  it('reads OTLP_SPAN_KINDS: server, consumer and root spans by default; unknown kinds refused', () => {
    expect(load({}).otlpSpanKinds).toEqual(['server', 'consumer', 'root']);
    expect(load({ OTLP_SPAN_KINDS: 'Client, internal,client' }).otlpSpanKinds).toEqual(['client', 'internal']);
    expect(load({ OTLP_SPAN_KINDS: 'all' }).otlpSpanKinds).toEqual(['all']);
    expect(problemsOf({ OTLP_SPAN_KINDS: 'server,spans' })).toEqual([
      'OTLP_SPAN_KINDS: "spans" is not one of server, consumer, root, client, producer, internal, all',
    ]);
  });

  it('refuses an API_TOKEN with a control or non-ASCII character in one line that does not show it', () => {
    for (const token of ['s3cr\u00e9t-token', 'secret\u0007token', 'secret\ttoken', 'secr\u200bet', 'tok\u{1f600}en']) {
      const problems = problemsOf({ API_TOKEN: token });
      expect(problems, JSON.stringify(token)).toHaveLength(1);
      expect(problems[0]).toMatch(/^API_TOKEN: must be printable ASCII .*Authorization header$/);
      expect(problems[0]).not.toContain(token);
      expect(problems[0]).not.toContain('secr');
    }
    expect(load({ API_TOKEN: 'Abc-123_~!#$%&*+./:=?@^|' }).apiToken).toBe('Abc-123_~!#$%&*+./:=?@^|');
    expect(load({ API_TOKEN: 'two words' }).apiToken).toBe('two words');
  });

  it('refuses Telegram chat ids 0, -0 and leading zeros', () => {
    for (const id of ['0', '-0', '007', '-0100123']) {
      for (const name of ['TELEGRAM_CHAT_ID', 'TELEGRAM_GROUP_ID']) {
        expect(problemsOf({ [name]: id }), `${name}=${id}`).toEqual([
          `${name}: "${id}" is not a Telegram chat id (a number without leading zeros, not 0, negative for groups; or @channelname)`,
        ]);
      }
    }
    expect(load({ TELEGRAM_CHAT_ID: '-1001234567890', TELEGRAM_GROUP_ID: '-42' }).telegram).toMatchObject({
      chatId: '-1001234567890',
      groupId: '-42',
    });
  });

  it('reads the Elasticsearch and Redis settings', () => {
    const config = load({
      LOG_SOURCE: 'elasticsearch',
      ELASTICSEARCH_HOST: 'http://es1:9200/, https://es2:9200',
      ELASTICSEARCH_INDICES: 'logs-a-*, logs-b-*',
      REDIS_HOST: 'cache',
      REDIS_DB: '2',
    });
    expect(config.elasticsearch.hosts).toEqual(['http://es1:9200', 'https://es2:9200']);
    expect(config.elasticsearch.indices).toEqual(['logs-a-*', 'logs-b-*']);
    expect(config.redis).toEqual({ host: 'cache', port: 6379, password: undefined, db: 2 });
  });

  it('reads a .env file, with real environment variables winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagwatch-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=9600\nDB_DRIVER=postgres\n# a comment\nAPI_TOKEN="s3cret-token"\n');
    const config = loadConfig({ PORT: '9700' }, file);
    expect(config.port).toBe(9700);
    expect(config.db.driver).toBe('postgres');
    expect(config.db.port).toBe(5432);
    expect(config.apiToken).toBe('s3cret-token');
  });
});

describe('secrets', () => {
  const config = load({
    API_TOKEN: 'api-token-value',
    DB_PASSWORD: 'db-password-value',
    TELEGRAM_BOT_TOKEN: '123456:ABC-secret_token',
    MAIL_PASSWORD: 'mail-password-value',
    REDIS_HOST: 'r',
    REDIS_AUTH: 'redis-password-value',
  });

  it('redacts every secret from printable configuration', () => {
    const printed = JSON.stringify(redactConfig(config));
    for (const secret of secretsOf(config)) expect(printed).not.toContain(secret);
    expect(secretsOf(config)).toHaveLength(5);
  });

  it('scrubs secrets and Telegram bot paths from free text', () => {
    const text = 'GET https://api.telegram.org/bot123456:ABC-secret_token/getMe failed; password db-password-value';
    const clean = scrubSecrets(text, secretsOf(config));
    expect(clean).toBe('GET https://api.telegram.org/bot***/getMe failed; password ***');
  });
});

describe('.env.example', () => {
  it('documents every variable the configuration reads', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(join(import.meta.dirname, '../../src/config/load.ts'), 'utf8');
    const example = readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8');
    const read = new Set([...source.matchAll(/\(\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]));
    const documented = new Set([...example.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(read.size).toBeGreaterThan(50);
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !read.has(name))).toEqual([]);
  });
});
