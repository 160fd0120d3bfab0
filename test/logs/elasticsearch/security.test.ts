import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkElasticsearch } from '../../../src/logs/elasticsearch/check.js';
import { ElasticsearchError } from '../../../src/logs/elasticsearch/errors.js';
import { ElasticsearchLogSource } from '../../../src/logs/elasticsearch/source.js';
import { EsTestServer, PERSONAS } from '../../support/es-server/index.js';
import { capturingLogger, DEFAULT_MAPPING, esConfig, FAST_RETRIES, T0 } from './helpers.js';

const USER = 'elastic';
const PASSWORD = 'Corr3ct-Horse-Battery';
const API_KEY = 'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw';
const ENCODED_KEY = Buffer.from(API_KEY).toString('base64');
const range = { from: T0, to: T0 + 60_000 };

function secretsIn(text: string): string[] {
  const secrets = [
    PASSWORD,
    'Wr0ng-Staple',
    API_KEY,
    ENCODED_KEY,
    Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
  ];
  return secrets.filter((s) => text.includes(s));
}

describe('credentials never reach errors or logs', () => {
  let server: EsTestServer | undefined;
  let source: ElasticsearchLogSource | undefined;
  afterEach(async () => {
    await source?.close();
    source = undefined;
    await server?.close();
  });

  it('basic auth: a wrong password fails with 401 and no secret in the message', async () => {
    server = await EsTestServer.start({ persona: PERSONAS.es8, auth: { username: USER, password: PASSWORD } });
    const { logger, lines } = capturingLogger();
    const config = esConfig(server.url, { ELASTICSEARCH_USERNAME: USER, ELASTICSEARCH_PASSWORD: 'Wr0ng-Staple' });
    const error = await ElasticsearchLogSource.open(config, logger, FAST_RETRIES).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElasticsearchError);
    expect((error as Error).message).toMatch(/HTTP 401 security_exception: unable to authenticate user \[elastic\]/);
    expect(secretsIn((error as Error).message + (error as Error).stack + lines.join(''))).toEqual([]);
  });

  it('basic auth: a proxy echoing the Authorization header is scrubbed, in errors and in retry logs', async () => {
    server = await EsTestServer.start({ persona: PERSONAS.es8, auth: { username: USER, password: PASSWORD } });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    const { logger, lines } = capturingLogger();
    const config = esConfig(server.url, { ELASTICSEARCH_USERNAME: USER, ELASTICSEARCH_PASSWORD: PASSWORD });
    source = await ElasticsearchLogSource.open(config, logger, { ...FAST_RETRIES, maxRetries: 1 });
    server.echoAuthorizationNext(2);
    const error = await source.summary(range).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/HTTP 502 Bad Gateway: .*Authorization: Basic \*\*\*/);
    expect(lines.some((l) => l.includes('retrying'))).toBe(true);
    expect(secretsIn((error as Error).message + lines.join(''))).toEqual([]);
    expect((await source.summary(range)).totalLogs).toBe(0);
  });

  it('credentials inside ELASTICSEARCH_HOST are used and never printed', async () => {
    server = await EsTestServer.start({ persona: PERSONAS.es9, auth: { username: USER, password: PASSWORD } });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    const withCredentials = server.url.replace('http://', `http://${USER}:${PASSWORD}@`);
    const { logger, lines } = capturingLogger();
    source = await ElasticsearchLogSource.open(esConfig(withCredentials), logger, { ...FAST_RETRIES, maxRetries: 0 });
    server.failNext(1, 503);
    const error = await source.summary(range).catch((e: unknown) => e);
    expect((error as Error).message).toContain(server.url);
    expect(secretsIn((error as Error).message + lines.join('') + source.key)).toEqual([]);
  });

  it.each([
    ['id:key form', API_KEY],
    ['encoded form', ENCODED_KEY],
  ])('API key (%s) is sent as ApiKey and scrubbed from errors', async (_form, key) => {
    server = await EsTestServer.start({ persona: PERSONAS.os3, auth: { apiKey: ENCODED_KEY } });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    const { logger, lines } = capturingLogger();
    source = await ElasticsearchLogSource.open(esConfig(server.url, { ELASTICSEARCH_API_KEY: key }), logger, {
      ...FAST_RETRIES,
      maxRetries: 0,
    });
    expect((await source.health()).ok).toBe(true);
    server.echoAuthorizationNext(1);
    const error = await source.summary(range).catch((e: unknown) => e);
    expect((error as Error).message).toContain('ApiKey ***');
    expect(secretsIn((error as Error).message + lines.join(''))).toEqual([]);
  });
});

describe('custom CA (ELASTICSEARCH_CA_FILE)', () => {
  let dir: string;
  let server: EsTestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagwatch-es-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'ca.pem'),
      ].concat(['-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
    server = await EsTestServer.start({
      persona: PERSONAS.es8,
      tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'ca.pem'), 'utf8') },
    });
    server.createIndex('logs-1', DEFAULT_MAPPING);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects over HTTPS when the CA is configured', async () => {
    const source = await ElasticsearchLogSource.open(
      esConfig(server.url, { ELASTICSEARCH_CA_FILE: join(dir, 'ca.pem') }),
      capturingLogger().logger,
      FAST_RETRIES,
    );
    try {
      expect(server.url).toMatch(/^https:/);
      expect((await source.health()).ok).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('names ELASTICSEARCH_CA_FILE when the certificate is not trusted', async () => {
    const error = await ElasticsearchLogSource.open(esConfig(server.url), capturingLogger().logger, FAST_RETRIES).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/TLS verification failed .*ELASTICSEARCH_CA_FILE/);
  });
});

describe('a certificate from a CA the machine does not know', () => {
  let dir: string;
  let server: EsTestServer;
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagwatch-es-leaf-'));
    const subject = (cn: string) => ['-subj', `/CN=${cn}`];
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      ...subject('Test CA'),
    ]);
    openssl([
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      ...subject('127.0.0.1'),
    ]);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2'].concat([
        '-extfile',
        'ext.cnf',
        '-out',
        'leaf.pem',
      ]),
    );
    // The server sends its own certificate only, not the chain: Node says UNABLE_TO_VERIFY_LEAF_SIGNATURE.
    server = await EsTestServer.start({
      persona: PERSONAS.os2,
      tls: { key: readFileSync(join(dir, 'leaf.key'), 'utf8'), cert: readFileSync(join(dir, 'leaf.pem'), 'utf8') },
    });
    server.createIndex('logs-1', DEFAULT_MAPPING);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a permanent failure, not retried, and names ELASTICSEARCH_CA_FILE', async () => {
    const { logger, lines } = capturingLogger();
    const error = await ElasticsearchLogSource.open(esConfig(server.url), logger, FAST_RETRIES).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(
      /TLS verification failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\).*ELASTICSEARCH_CA_FILE/,
    );
    expect(lines.filter((l) => l.includes('retrying'))).toEqual([]);
  });

  it('connects once the CA is configured', async () => {
    const source = await ElasticsearchLogSource.open(
      esConfig(server.url, { ELASTICSEARCH_CA_FILE: join(dir, 'ca.pem') }),
      capturingLogger().logger,
      FAST_RETRIES,
    );
    try {
      expect((await source.health()).ok).toBe(true);
    } finally {
      await source.close();
    }
  });
});

describe.each([
  ['Elasticsearch 8 (product header)', PERSONAS.es8, 'es-pit'],
  ['Elasticsearch 7.10 (no product header)', PERSONAS.es710, 'scroll'],
  ['OpenSearch 2 (point in time)', PERSONAS.os2, 'scroll'],
] as const)('a log reader with index read only, on %s', (_name, persona, paging) => {
  let server: EsTestServer;
  beforeAll(async () => {
    server = await EsTestServer.start({ persona, readOnlyUser: 'reader' });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    server.addDocuments('logs-1', [
      { '@timestamp': new Date(T0 + 1).toISOString(), app_name: 'core', duration: 900, level: 'info' },
      { '@timestamp': new Date(T0 + 2).toISOString(), app_name: 'core', duration: 100, level: 'info' },
    ]);
  });
  afterAll(async () => server.close());

  it('scans, aggregates and reports health although GET / and _cluster answer 403', async () => {
    const source = await ElasticsearchLogSource.open(esConfig(server.url), capturingLogger().logger, FAST_RETRIES);
    try {
      expect(source.server.versionKnown).toBe(false);
      expect(source.server.distribution).toBe(persona.distribution);
      expect(source.pagingMode).toBe(paging);
      const batches = [];
      for await (const b of source.scan({
        mode: 'range',
        range,
        batchSize: 10,
        thresholds: new Map([['core', 500]]),
      }))
        batches.push(b);
      expect(batches.flatMap((b) => b.candidates.map((c) => c.durationMs))).toEqual([900]);
      expect((await source.summary(range)).totalLogs).toBe(2);
      const health = await source.health();
      expect(health).toMatchObject({ ok: true });
      expect(health.description).toMatch(/monitor privilege/);
      expect(server.requests.filter((r) => r.path === '/').length).toBe(1);
    } finally {
      await source.close();
    }
  });

  it('check:elasticsearch says what it cannot see instead of failing', async () => {
    const report = await checkElasticsearch(esConfig(server.url), capturingLogger().logger, FAST_RETRIES);
    expect(report.problems).toEqual([]);
    expect(report.indices).toEqual([{ name: 'logs-1', docs: 2 }]);
    expect(report.notes.join('\n')).toMatch(/monitor cluster privilege/);
  });
});
