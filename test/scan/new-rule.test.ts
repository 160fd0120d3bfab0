import { afterEach, describe, expect, it } from 'vitest';
import { driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
const MINUTE = 60_000;

/**
 * A rule created after the scans began judges the recent logs before it too, from
 * SCAN_INITIAL_LOOKBACK_MINUTES back, the same on both sources; once, and only for itself.
 */
describe.each(['embedded', 'elasticsearch'] as const)('a rule created after the first scan (%s)', (kind) => {
  let world: ScanWorld | undefined;
  let es: EsTestServer | undefined;
  afterEach(async () => {
    await world?.close();
    await es?.close();
    world = es = undefined;
  });

  async function open(): Promise<{ world: ScanWorld; add: (docs: object[]) => Promise<void> }> {
    if (kind === 'embedded') {
      world = await openScanWorld(sqlite, { env: { SCAN_INITIAL_LOOKBACK_MINUTES: '60' } });
      const w = world;
      return { world: w, add: (docs) => w.ingest(docs) };
    }
    es = await EsTestServer.start({ persona: PERSONAS.es8 });
    es.createIndex('logs-1', {
      '@timestamp': 'date',
      app_name: 'keyword',
      message_key: 'keyword',
      duration: 'long',
      message: 'text',
    });
    const server = es;
    world = await openScanWorld(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: server.url,
        ELASTICSEARCH_INDEX_PREFIX: 'logs-',
        SCAN_INITIAL_LOOKBACK_MINUTES: '60',
      },
    });
    return { world, add: async (docs) => void server.addDocuments('logs-1', docs as Record<string, unknown>[]) };
  }

  const doc = (ageMs: number, app: string, duration: number, key = 'k') => ({
    '@timestamp': new Date(Date.now() - ageMs).toISOString(),
    app_name: app,
    message_key: key,
    duration,
    message: `${app} work`,
  });

  it('judges the logs of the last SCAN_INITIAL_LOOKBACK_MINUTES once, and never older ones', async () => {
    const { world, add } = await open();
    await add([
      doc(90 * MINUTE, 'checkout', 5_000), // older than the look back
      doc(30 * MINUTE, 'checkout', 5_000),
      doc(10 * MINUTE, 'checkout', 4_000),
      doc(10 * MINUTE, 'checkout', 100),
    ]);
    const first = await world.services.scanner.run();
    expect(first.status, first.error).toBe('success');
    expect(first.violations).toBe(0); // no rule yet; the checkpoint moves past these logs

    await world.ctx.appRules.create({ app_name: 'checkout', max_duration: 1_000, alert_channels: ['webhook'] }, 'test');
    const second = await world.services.scanner.run();
    expect(second.status, second.error).toBe('success');
    expect(second.violations).toBe(2);
    expect(second.alertsQueued).toBeGreaterThanOrEqual(0);
    const third = await world.services.scanner.run();
    expect(third.violations).toBe(0);
    const rows = await world.ctx.state.db.selectFrom('violations').select(['duration_ms']).execute();
    expect(rows.map((r) => Number(r.duration_ms)).sort()).toEqual([4_000, 5_000]);
  });

  it('records only the new rule’s violations, not those of rules already judged', async () => {
    const { world, add } = await open();
    await world.ctx.appRules.create({ app_name: 'search', max_duration: 1_000, alert_channels: ['webhook'] }, 'test');
    await add([doc(20 * MINUTE, 'search', 3_000, 'query'), doc(20 * MINUTE, 'search', 3_000, 'suggest')]);
    expect((await world.services.scanner.run()).violations).toBe(2);
    // A stricter message rule for one key: its look back finds that key's log again, for itself only.
    await world.ctx.messageRules.create(
      {
        app_name: 'search',
        message_key: 'suggest',
        max_duration: 500,
        alert_channels: ['webhook'],
      },
      'test',
    );
    const next = await world.services.scanner.run();
    expect(next.violations).toBe(1);
    const rows = await world.ctx.state.db
      .selectFrom('violations')
      .select(['rule_type', 'message_key'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { rule_type: 'app', message_key: expect.any(String) },
      { rule_type: 'app', message_key: expect.any(String) },
      { rule_type: 'message', message_key: 'suggest' },
    ]);
  });
});
