import { describe, expect, it } from 'vitest';
import { renderTelegram } from '../../src/alerts/render/telegram.js';
import { announceSkips, type DriverUnderTest, driversUnderTest } from '../support/databases.js';
import { logDocument, type TestLog } from '../support/log-documents.js';
import { CRASH_CHILD, type KillPlan, runScript } from '../support/scan-harness/child-process.js';
import {
  expectedViolations,
  type OracleRules,
  recordedViolations,
  seeded,
  violationKeys,
} from '../support/scan-harness/logs.js';
import { telegramWorlds } from '../support/scan-harness/telegram-worlds.js';
import type { ScanWorld } from '../support/scan-harness/world.js';

// SQLite, and one server database (PostgreSQL, else MariaDB): each run costs a few seconds.
const all = driversUnderTest();
announceSkips(all, 'crash harness');
const server = all.find((d) => d.driver === 'postgres' && !d.skipReason) ?? all.find((d) => d.driver === 'mysql');
const drivers = [all.find((d) => d.driver === 'sqlite')!, ...(server ? [server] : [])];

const ROUNDS = 3;
const LOGS_PER_ROUND = 160;
// Kills per database (fewer over the server database, whose runs cost more); CRASH_KILLS
// raises it for a longer hunt, CRASH_SEED replays a run.
const killsFor = (driver: DriverUnderTest) => Number(process.env.CRASH_KILLS ?? (driver.driver === 'sqlite' ? 8 : 5));
// Each restart's clock is this much later: past the lease and an outbox claim (15 s each).
const CLOCK_STEP_MS = 180_000;

describe.each(drivers.map((d) => [d.driver, d] as const))('crash harness over %s', (_name, driver: DriverUnderTest) => {
  const worlds = telegramWorlds();
  let world: ScanWorld | undefined;

  it.skipIf(driver.skipReason)(
    'SIGKILLed at many points and restarted: every violation recorded once, every alert sent, duplicates only from cut sends',
    { timeout: 120_000 },
    async () => {
      const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
      const random = seeded(seed);
      const chat = String(1_000_000 + (seed % 1_000_000));
      const opsChat = String(2_000_000 + (seed % 1_000_000));
      world = await worlds.open(driver, {
        env: {
          SCAN_BATCH_SIZE: '10',
          TELEGRAM_BOT_TOKEN: worlds.standIn.token,
          TELEGRAM_API_BASE: worlds.standIn.apiBase,
          TELEGRAM_CHAT_ID: chat,
        },
      });
      const { ctx } = world;
      const channels: ['telegram_chat'] = ['telegram_chat'];
      const api = await ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: channels }, 'test');
      const jobs = await ctx.appRules.create(
        { app_name: 'jobs', max_duration: 2000, alert_channels: channels },
        'test',
      );
      const exportRule = await ctx.messageRules.create(
        {
          app_name: 'api',
          message_key: 'GET /export',
          max_duration: 3000,
          alert_channels: channels,
        },
        'test',
      );
      await ctx.targets.create({ name: 'ops', type: 'telegram_chat', external_id: opsChat, is_active: true }, 'test');
      const rules: OracleRules = {
        app: [
          { id: api.id, app: 'api', max: 500 },
          { id: jobs.id, app: 'jobs', max: 2000 },
        ],
        message: [{ id: exportRule.id, app: 'api', key: 'GET /export', max: 3000 }],
      };

      const KILLS = killsFor(driver);
      const logs: TestLog[] = [];
      let kills = 0;
      // Kills frozen right after Telegram accepted (each must cost exactly one re-send), and kills
      // after a random delay (each may cost one).
      let cutAfterAccept = 0;
      let randomKills = 0;
      let runs = 0;
      const plans: string[] = [];
      const t0 = Date.now() - 3_600_000;
      // Whether a planned kill lands depends on how many markers a run prints (timing): extra
      // rounds, bounded, make sure the harness really killed often enough.
      for (let round = 0; round < ROUNDS || (kills < KILLS / 2 && round < ROUNDS * 3); round++) {
        const batch: TestLog[] = [];
        for (let i = 0; i < LOGS_PER_ROUND; i++) {
          const n = logs.length + batch.length;
          const app = random() < 0.25 ? 'jobs' : 'api';
          const key = app === 'api' ? (random() < 0.3 ? 'GET /export' : 'GET /home') : 'sync';
          batch.push({
            time: t0 + n * 1000,
            app,
            key,
            duration: Math.floor(random() * 4000),
            correlation: `trace-${n}`,
          });
        }
        await world.ingest(batch.map(logDocument));
        logs.push(...batch);
        for (;;) {
          let plan: KillPlan = 'never';
          if (kills < KILLS && random() < 0.85) {
            plan =
              random() < 0.7 ? { afterMarker: 1 + Math.floor(random() * 16) } : { afterMs: Math.floor(random() * 400) };
          }
          runs += 1;
          const run = await runScript(
            CRASH_CHILD,
            { ...world.env, HARNESS_CLOCK_OFFSET_MS: String(runs * CLOCK_STEP_MS) },
            plan,
          );
          plans.push(`${JSON.stringify(plan)}→${run.outcome}@${run.markers.at(-1) ?? 'start'}`);
          if (run.outcome === 'killed') {
            kills += 1;
            if (plan !== 'never' && 'afterMs' in plan) randomKills += 1;
            else if (run.markers.at(-1) === 'accepted') cutAfterAccept += 1;
            continue;
          }
          expect(run.code, `seed ${seed}: ${run.stderr}`).toBe(0);
          expect(run.markers.at(-1)).toBe('done');
          break;
        }
      }
      const context = `seed ${seed}, runs: ${plans.join(', ')}`;
      expect(kills, context).toBeGreaterThanOrEqual(KILLS / 2);

      // Every violation recorded exactly once.
      const expected = violationKeys(expectedViolations(logs, rules), (await world.services.source()).key);
      expect(await recordedViolations(ctx.state.db), context).toEqual(expected);

      // Every notification sent, and together they report every violation once per chat.
      const rows = await ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
      expect(
        rows.filter((r) => r.status !== 'sent').map((r) => [r.id, r.status, r.last_error]),
        context,
      ).toEqual([]);
      for (const destination of [chat, opsChat]) {
        const mine = rows.filter((r) => r.destination === destination);
        for (const rule of [
          ...rules.app.map((r) => ({ ...r, type: 'app' })),
          { ...rules.message[0]!, type: 'message' },
        ]) {
          const reported = mine
            .filter((r) => r.rule_type === rule.type && Number(r.rule_id) === rule.id)
            .reduce((sum, r) => sum + Number(r.violation_count), 0);
          expect(reported, `${context}: ${rule.type} rule ${rule.id} to ${destination}`).toBe(
            expected.filter((k) => k.startsWith(`${rule.type}:${rule.id}:`)).length,
          );
        }
      }

      // What each chat received: every row's message, in row order, plus one duplicate per send
      // cut between Telegram accepting it and the outbox recording it, and no other.
      let duplicates = 0;
      for (const destination of [chat, opsChat]) {
        const expectedTexts = rows
          .filter((r) => r.destination === destination)
          .map((r) => renderTelegram(JSON.parse(r.payload)).join('\n'));
        const received = worlds.standIn.messagesTo(destination).map((m) => m.text);
        const firstSeen: string[] = [];
        for (const text of received) {
          if (firstSeen.includes(text)) duplicates += 1;
          else firstSeen.push(text);
        }
        expect(firstSeen, context).toEqual(expectedTexts);
      }
      expect(duplicates, context).toBeGreaterThanOrEqual(cutAfterAccept);
      expect(duplicates, context).toBeLessThanOrEqual(cutAfterAccept + randomKills);
      console.info(
        `[crash harness ${driver.driver}] ${context}; ${kills} kills (${cutAfterAccept} between accept and record, ${randomKills} at random times), ${duplicates} re-sent, ${rows.length} alerts`,
      );
    },
  );
});
