import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { listChanges } from '../../src/audit/audit-log.js';
import { lagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest, redisUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { telegramWorlds } from '../support/scan-harness/telegram-worlds.js';

const all = driversUnderTest();
announceSkips(all, 'silences across processes');
const redis = redisUnderTest();
// SQLite and one server database: every CLI run is a process start.
const server = all.find((d) => d.driver === 'postgres' && !d.skipReason) ?? all.find((d) => d.driver === 'mysql');
const drivers = [all.find((d) => d.driver === 'sqlite')!, ...(server ? [server] : [])];
// The CLI's Redis keys have no per-test prefix: a database number of this suite's own.
const CLI_REDIS_DB = '8';

describe.each(drivers.map((d) => [d.driver, d] as const))(
  'silences and count windows across processes over %s, with Redis',
  (_name, driver) => {
    const worlds = telegramWorlds();
    let cliRedis: Redis | undefined;
    afterEach(async () => {
      if (cliRedis) {
        const keys = await cliRedis.keys('lagwatch:*');
        if (keys.length > 0) await cliRedis.del(...keys);
        await cliRedis.quit();
      }
      cliRedis = undefined;
    });

    it.skipIf(driver.skipReason ?? redis.skipReason)(
      'silence:add in one process holds back the next scan in another; silence:expire ends it; windows count violations of earlier scans',
      { timeout: 120_000 },
      async () => {
        const chatId = `${Date.now() % 1_000_000}7`;
        const url = new URL(redis.url as string);
        const world = await worlds.open(driver, {
          env: {
            TELEGRAM_BOT_TOKEN: worlds.standIn.token,
            TELEGRAM_API_BASE: worlds.standIn.apiBase,
            TELEGRAM_CHAT_ID: chatId,
            REDIS_HOST: url.hostname,
            REDIS_PORT: url.port || '6379',
            REDIS_DB: CLI_REDIS_DB,
          },
        });
        cliRedis = new Redis({ host: url.hostname, port: Number(url.port || 6379), db: Number(CLI_REDIS_DB) });
        const { ctx, env, dir } = world;
        const rule = await ctx.appRules.create(
          {
            app_name: 'api',
            max_duration: 500,
            alert_channels: ['telegram_chat'],
            min_count: 2,
            window_minutes: 10,
          },
          'test',
        );
        const cli = async (...args: string[]) => {
          const result = await lagwatch(args, env, dir);
          expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
          return result.stdout;
        };
        const statuses = async () =>
          (await ctx.state.db.selectFrom('alert_log').select(['status', 'last_error']).orderBy('id').execute()).map(
            (r) => `${r.status}: ${r.last_error ?? ''}`,
          );

        // One violation, in one process: below the window's count.
        const t = Date.now() - 120_000;
        await world.ingest([logDocument({ time: t, app: 'api', duration: 900 })]);
        await cli('log:alert-scan', '--json');
        // A second one, in another process, completes the window.
        await world.ingest([logDocument({ time: t + 60_000, app: 'api', duration: 950 })]);
        await cli('log:alert-scan', '--json');
        expect(await statuses()).toEqual(['suppressed: below count: 1 of 2 violations in the last 10 min', 'sent: ']);
        expect(worlds.standIn.messagesTo(chatId).at(-1)?.visibleText).toContain('2 violations in 10 min');

        const silence = JSON.parse(
          await cli('silence:add', '--app', 'api', '--for', '2h', '--comment', 'deploy', '--json'),
        );
        expect(silence).toMatchObject({ app_name: 'api', message_key: null, comment: 'deploy', active: true });
        expect(silence.created_by).toMatch(/^cli:/);
        expect(JSON.parse(await cli('silence:list', '--json')).items.map((s: { id: number }) => s.id)).toEqual([
          silence.id,
        ]);

        await world.ingest([logDocument({ time: t + 90_000, app: 'api', duration: 990 })]);
        await cli('log:alert-scan', '--json');
        const rows = await ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
        expect([rows.at(-1)?.status, Number(rows.at(-1)?.silence_id)]).toEqual(['silenced', silence.id]);
        expect(worlds.standIn.messagesTo(chatId)).toHaveLength(1);
        // The scan's process honoured the silence; the cooldown lives in Redis, untouched by it.
        expect(await cliRedis.exists(`lagwatch:cooldown:app:${rule.id}`)).toBe(1);

        const expired = JSON.parse(await cli('silence:expire', String(silence.id), '--json'));
        expect(expired.active).toBe(false);
        expect(JSON.parse(await cli('silence:list', '--json')).items).toEqual([]);
        expect(JSON.parse(await cli('silence:list', '--all', '--json')).total).toBe(1);
        const audit = await listChanges(ctx.state.db, { entity: 'silence' }, { page: 1, per_page: 10 });
        expect(audit.items.map((e) => [e.action, e.actor, e.after?.comment ?? e.before?.comment])).toEqual([
          ['delete', 'cli', 'deploy'],
          ['create', 'cli', 'deploy'],
        ]);
        await world.ingest([logDocument({ time: t + 100_000, app: 'api', duration: 999 })]);
        await cli('log:alert-scan', '--json');
        expect(worlds.standIn.messagesTo(chatId)).toHaveLength(2);

        const failed = await lagwatch(['silence:add', '--app', 'api', '--for', 'soon'], env, dir);
        expect([failed.code, failed.stderr.trim()]).toEqual([
          1,
          'lagwatch: --for: "soon" is not a duration such as 30m, 2h or 1d (at most a year)',
        ]);
        const unknown = await lagwatch(['silence:expire', '4242'], env, dir);
        expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'lagwatch: silence 4242 not found']);
      },
    );
  },
);
