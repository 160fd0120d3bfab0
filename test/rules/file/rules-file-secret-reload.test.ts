// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is how rules files refer to environment variables
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../../src/alerts/channels/registry.js';
import { RulesFileApplier } from '../../../src/app/rules-file.js';
import { listChanges } from '../../../src/audit/audit-log.js';
import { createLogger } from '../../../src/logging/logger.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'RULES_FILE reload of a changed secret');

const RULES = `rules:
  - kind: app
    app_name: checkout
    max_duration: 800
    alert_channels: [webhook]
targets:
  - name: ops hook
    type: webhook
    external_id: "\${HOOK_URL}"
`;
const FIRST = 'https://hooks.example.com/lagwatch/f1rstf1rstf1rst11';
const ROTATED = 'https://hooks.example.com/lagwatch/r0tat3dr0tat3d22';

describe.each(drivers)('RULES_FILE reload (SIGHUP) of a changed secret over $driver', (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-rules-file-secret-'));
  const path = join(dir, 'rules.yaml');
  let db: Awaited<ReturnType<typeof migratedStateDb>>;
  beforeAll(async () => {
    db = await migratedStateDb(driver);
    writeFileSync(path, RULES);
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the new address, audits it as changed without either value, logs neither; the same again writes nothing', async () => {
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const env: Record<string, string> = { HOOK_URL: FIRST };
    const applier = new RulesFileApplier(db.state.db, createLogger({ logLevel: 'debug' }, sink), {
      path,
      prune: false,
      env,
    });
    await applier.applyAtStart();
    const changes = () => listChanges(db.state.db, { entity: 'target' }, { page: 1, per_page: 10 });
    expect((await changes()).total).toBe(1);

    env.HOOK_URL = ROTATED;
    const reloaded = await applier.reload();
    expect(reloaded).toMatchObject({ status: 'applied', changes: { updated: 1, unchanged: 1 } });
    const { items, total } = await changes();
    expect(total).toBe(2);
    expect(items[0]).toMatchObject({
      actor: `file:${path}`,
      action: 'update',
      changed_secrets: ['external_id'],
      before: { external_id: 'https://hooks.example.com/***' },
      after: { external_id: 'https://hooks.example.com/***' },
    });
    const target = await db.state.db.selectFrom('alert_targets').selectAll().executeTakeFirstOrThrow();
    expect(target.external_id).toBe(ROTATED);

    expect(await applier.reload()).toMatchObject({ status: 'applied', changes: { updated: 0, unchanged: 2 } });
    expect((await changes()).total).toBe(2);
    expect(logs.length).toBeGreaterThan(0);
    for (const text of [JSON.stringify(items), JSON.stringify(applier.status()), ...logs]) {
      expect(text).not.toContain('f1rst');
      expect(text).not.toContain('r0tat3d');
    }
  });
});
