import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/create-context.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { lagwatch } from '../support/cli.js';
import { logDocument } from '../support/log-documents.js';

const MINUTE = 60_000;

/**
 * `check:slos` on embedded defaults (SQLite state, the embedded log store) in a fresh folder:
 * one SLO, 97 good logs 40 min ago, 3 bad ones a minute ago, one log without a duration.
 */
describe('check:slos', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lagwatch-cli-slos-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  beforeAll(async () => {
    expect((await lagwatch(['migrate'], {}, cwd)).code).toBe(0);
    const now = Date.now();
    const docs = [
      ...Array.from({ length: 97 }, (_, i) =>
        logDocument({ time: now - 40 * MINUTE - i, app: 'checkout', key: 'POST /orders', duration: 500 }),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        logDocument({ time: now - MINUTE - i, app: 'checkout', key: 'POST /orders', duration: 501 }),
      ),
      logDocument({ time: now - 30_000, app: 'checkout', key: 'POST /orders' }),
    ];
    const file = join(cwd, 'logs.ndjson');
    writeFileSync(file, `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
    expect((await lagwatch(['logs:import', file], {}, cwd)).code).toBe(0);
    const config = loadConfig({ DB_DATABASE: join(cwd, 'data/lagwatch.db'), LOG_LEVEL: 'silent' }, undefined);
    const ctx = createAppContext(config, createLogger(config));
    try {
      await ctx.ruleStores.windowRules('slo').create({
        name: 'checkout orders',
        app_name: 'checkout',
        message_key: 'POST /orders',
        threshold_ms: 500,
        objective: 99,
        alert_channels: ['webhook'],
      });
    } finally {
      await ctx.close();
    }
  });

  it('--json: the status of each SLO, exact', async () => {
    const result = await lagwatch(['check:slos', '--json'], {}, cwd);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [status, ...more] = JSON.parse(result.stdout);
    expect(more).toEqual([]);
    // 3 bad of 100 at 99 %: 3×, the budget overspent twice.
    expect(status).toMatchObject({
      name: 'checkout orders',
      good: 97,
      bad: 3,
      sli_percent: 97,
      budget_remaining_percent: -200,
      burn_rates: { '5m': 100, '30m': 100, '1h': 3, '6h': 3 },
      firing: false,
    });
  });

  it('a table with the same figures; --help says what it shows', async () => {
    const table = await lagwatch(['check:slos'], {}, cwd);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /checkout orders\s+checkout\s+POST \/orders\s+99 % ≤ 500 ms \/ 28 d\s+97 %\s+97\s+3\s+-200 %\s+100× \/ 100× \/ 3× \/ 3×\s+no/,
    );
    expect((await lagwatch(['check:slos', '--app', 'nope'], {}, cwd)).stdout).not.toContain('checkout orders');
    const help = await lagwatch(['check:slos', '--help'], {}, cwd);
    expect(help.stdout).toContain('--json');
    expect(help.stdout).toContain('burn rates');
  });
});
