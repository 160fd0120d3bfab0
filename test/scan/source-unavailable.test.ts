import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/app/service.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { logDocument } from '../support/log-documents.js';
import { closedPort } from '../support/ports.js';
import { startWebhookReceiver } from '../support/scan-harness/webhook-receiver.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
announceSkips([sqlite], 'log source unavailable');

describe('lagwatch start while Elasticsearch is unreachable', () => {
  let world: ScanWorld | undefined;
  let service: RunningService | undefined;
  let es: EsTestServer | undefined;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  afterEach(async () => {
    await service?.close();
    await world?.close();
    await es?.close();
    await hooks?.close();
    service = world = es = hooks = undefined;
  });

  it('serves, reports the source on /ready and in each scan, and scans once the cluster answers', async () => {
    const port = await closedPort();
    world = await openScanWorld(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: `http://127.0.0.1:${port}`,
        ELASTICSEARCH_INDEX_PREFIX: 'logs-',
        SCAN_INITIAL_LOOKBACK_MINUTES: '60',
        ELASTICSEARCH_TIMEOUT_MS: '1000',
      },
    });
    service = await startService(world.ctx, { port: 0, host: '127.0.0.1', intervalSeconds: 0 });
    const base = service.server.address;

    expect((await fetch(`${base}/health`)).status).toBe(200);
    const notReady = await fetch(`${base}/ready`);
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(await notReady.json())).toMatch(/log_source.*ECONNREFUSED/);
    await world.ctx.appRules.create({ app_name: 'core', max_duration: 500, alert_channels: ['webhook'] }, 'test');
    hooks = await startWebhookReceiver();
    await world.ctx.targets.create({ name: 'hook', type: 'webhook', external_id: hooks.url, is_active: true }, 'test');
    expect((await fetch(`${base}/rules/app`)).status).toBe(200);

    const failed = await service.services.scanner.run();
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^log source unavailable: .*ECONNREFUSED/);
    const cronRows = await world.ctx.state.db.selectFrom('cron_logs').selectAll().execute();
    expect(cronRows).toEqual([expect.objectContaining({ status: 'failed', error: failed.error })]);

    es = await EsTestServer.start({ persona: PERSONAS.es8, port });
    es.createIndex('logs-a', { '@timestamp': 'date', app_name: 'keyword', message_key: 'keyword', duration: 'long' });
    es.addDocuments('logs-a', [logDocument({ time: Date.now() - 60_000, app: 'core', duration: 900 })]);

    expect(await service.services.scanner.run()).toMatchObject({ status: 'success', violations: 1, alertsQueued: 1 });
    expect((await fetch(`${base}/ready`)).status).toBe(200);

    // Down again: scans fail, and the alert already queued is delivered all the same.
    await es.close();
    es = undefined;
    expect(await service.services.scanner.run()).toMatchObject({ status: 'failed' });
    await service.services.outbox.deliverDue();
    expect(hooks.received).toHaveLength(1);
    expect(hooks.received[0].body).toContain('core');
  });

  it('still refuses to start when the embedded store cannot be opened', async () => {
    // A file where the store's folder should be.
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'lagwatch-')), 'file');
    writeFileSync(notAFolder, '');
    world = await openScanWorld(sqlite, { env: { EMBEDDED_LOG_DB: join(notAFolder, 'logs.db') } });
    await expect(startService(world.ctx, { port: 0, host: '127.0.0.1', intervalSeconds: 0 })).rejects.toThrow(
      notAFolder,
    );
    rmSync(dirname(notAFolder), { recursive: true });
  });
});
