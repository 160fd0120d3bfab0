import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { lagwatch, spawnLagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { logDocument } from '../support/log-documents.js';
import { closedPort } from '../support/ports.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
announceSkips([sqlite], 'graceful shutdown');

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('lagwatch start and SIGTERM', { timeout: 90_000 }, () => {
  let world: ScanWorld | undefined;
  let es: EsTestServer | undefined;
  afterEach(async () => {
    await world?.close();
    await es?.close();
    world = es = undefined;
  });

  it('stops serving, ends the in-flight scan cleanly, exits 0; the next scan records every violation once', async () => {
    es = await EsTestServer.start({ persona: PERSONAS.es8 });
    es.createIndex('logs-a', { '@timestamp': 'date', app_name: 'keyword', message_key: 'keyword', duration: 'long' });
    const now = Date.now();
    es.addDocuments(
      'logs-a',
      Array.from({ length: 5 }, (_, i) =>
        logDocument({ time: now - 120_000 + i * 1000, app: 'core', duration: 900 + i }),
      ),
    );
    const port = await closedPort();
    world = await openScanWorld(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: es.url,
        ELASTICSEARCH_INDEX_PREFIX: 'logs-',
        SCAN_INITIAL_LOOKBACK_MINUTES: '60',
        SCAN_INTERVAL_SECONDS: '1',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(port),
      },
    });
    await world.ctx.appRules.create({ app_name: 'core', max_duration: 500, alert_channels: ['webhook'] }, 'test');

    // The first search of the scan hangs for 3 s: the signal arrives while the scan is in flight.
    es.delayNext(1, 3_000, /_search/);
    const child = spawnLagwatch(['start'], world.env, world.dir);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');
    await waitFor(() => stdout.includes('lagwatch is running'), `start (stderr: ${stderr})`);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    await waitFor(() => es!.requests.some((r) => r.path.includes('_search')), 'the scan to search');

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    expect(stdout).toContain('shutting down: a scan in progress stops after its current batch');
    expect(stdout).toContain('"stopped"');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();

    // No scan is left "running"; the one in flight when the signal came stopped before recording
    // its batch and says why (the batch's violations are the next scan's, below).
    const runs = await world.ctx.state.db.selectFrom('cron_logs').selectAll().execute();
    for (const run of runs) {
      expect(run.finished_at).not.toBeNull();
      expect(['success', 'failed']).toContain(run.status);
    }
    expect(runs.map((run) => [run.status, run.error])).toContainEqual(['failed', 'scan interrupted by shutdown']);

    const next = await lagwatch(['log:alert-scan', '--json'], world.env, world.dir);
    expect(next.code, next.stderr).toBe(0);
    const violations = await world.ctx.state.db.selectFrom('violations').select('duration_ms').execute();
    expect(violations.map((v) => Number(v.duration_ms)).sort()).toEqual([900, 901, 902, 903, 904]);
  });
});
