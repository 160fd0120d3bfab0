import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { type RunningService, startService } from '../../src/app/service.js';
import { lagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument, type TestLog } from '../support/log-documents.js';
import { type ChannelPeers, startChannelPeers } from '../support/scan-harness/channel-peers.js';
import { expectedViolations, stateSnapshot } from '../support/scan-harness/logs.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { parseMail } from '../support/smtp-peer.js';

// The DESIGN flow on the embedded defaults (SQLite); the server databases are covered elsewhere.
const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
announceSkips([sqlite], 'end to end');

const CHAT = '90001';

describe('the DESIGN flow end to end', () => {
  let peers: ChannelPeers;
  let standIn: ChannelPeers['standIn'];
  let peer: ChannelPeers['peer'];
  let hooks: ChannelPeers['hooks'];
  let world: ScanWorld;
  let service: RunningService;

  beforeEach(async () => {
    peers = await startChannelPeers(CHAT);
    ({ standIn, peer, hooks } = peers);
    world = await openScanWorld(sqlite, {
      env: { ...peers.env, MAIL_FROM_ADDRESS: 'lagwatch@example.com', SCAN_INTERVAL_SECONDS: '0' },
    });
    service = await startService(world.ctx, { port: 0, host: '127.0.0.1', intervalSeconds: 0 });
  });
  afterEach(async () => {
    await service.close();
    await world.close();
    await peers.close();
  });

  async function api(method: string, path: string, body?: unknown, contentType = 'application/json') {
    const response = await fetch(`${service.server.address}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await response.json()) as { status: string; data: Record<string, unknown> };
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json.data;
  }

  it.skipIf(sqlite.skipReason)(
    'import logs, create rules over the API, scan: one readable grouped alert per violated rule and target',
    { timeout: 120_000 },
    async () => {
      const all = ['telegram_chat', 'email', 'webhook'];
      const checkout = await api('POST', '/rules/app', {
        app_name: 'checkout',
        max_duration: 500,
        alert_channels: all,
      });
      const orders = await api('POST', '/rules/message', {
        app_name: 'checkout',
        message_key: 'POST /orders',
        max_duration: 2000,
        alert_channels: all,
      });
      const search = await api('POST', '/rules/app', {
        app_name: 'search',
        max_duration: 300,
        alert_channels: ['telegram_chat'],
      });
      await api('POST', '/rules/app', { app_name: 'quiet', max_duration: 100, alert_channels: all });
      await api('POST', '/targets', { name: 'ops mail', type: 'email', external_id: 'ops@example.com' });
      await api('POST', '/targets', { name: 'hook', type: 'webhook', external_id: `${hooks.url}/lagwatch` });

      const t = Date.now() - 120_000;
      const logs: TestLog[] = [];
      for (let i = 0; i < 60; i++) {
        logs.push({
          time: t + i * 100,
          app: 'checkout',
          key: 'GET /cart',
          duration: i % 4 === 0 ? 650 + i : 200,
          correlation: `cart-${i}`,
        });
        logs.push({
          time: t + i * 100 + 1,
          app: 'checkout',
          key: 'POST /orders',
          duration: i % 10 === 0 ? 2500 + i : 1500,
        });
        logs.push({ time: t + i * 100 + 2, app: 'search', key: 'GET /q', duration: i % 20 === 0 ? 301 + i : 300 });
        logs.push({ time: t + i * 100 + 3, app: 'quiet', key: 'tick', duration: 50 });
      }
      const ingested = await api(
        'POST',
        '/ingest',
        logs.map((l) => JSON.stringify(logDocument(l))).join('\n'),
        'application/x-ndjson',
      );
      expect(ingested).toMatchObject({ accepted: logs.length, rejected: 0 });
      const oracle = expectedViolations(logs, {
        app: [
          { id: Number(checkout.id), app: 'checkout', max: 500 },
          { id: Number(search.id), app: 'search', max: 300 },
          { id: 99, app: 'quiet', max: 100 },
        ],
        message: [{ id: Number(orders.id), app: 'checkout', key: 'POST /orders', max: 2000 }],
      });
      const countOf = (type: string, id: unknown) =>
        oracle.filter((v) => v.ruleType === type && v.ruleId === Number(id)).length;
      expect([countOf('app', checkout.id), countOf('message', orders.id), countOf('app', search.id)]).toEqual([
        15, 6, 3,
      ]);

      // --dry-run: reports what a scan would do and changes nothing.
      const before = await stateSnapshot(world.ctx.state.db);
      const dry = await lagwatch(['log:alert-scan', '--dry-run', '--json'], world.env, world.dir);
      expect(dry.code, dry.stderr).toBe(0);
      const dryReport = JSON.parse(dry.stdout) as {
        violations: number;
        alerts_queued: number;
        would_alert: { rule_type: string; violations: number; destinations: { channel: string }[] }[];
      };
      expect(dryReport).toMatchObject({ violations: 24, alerts_queued: 7 });
      expect(dryReport.would_alert.map((a) => [a.rule_type, a.violations, a.destinations.length]).sort()).toEqual([
        ['app', 15, 3],
        ['app', 3, 1],
        ['message', 6, 3],
      ]);
      expect(await stateSnapshot(world.ctx.state.db)).toEqual(before);
      expect(standIn.messages).toHaveLength(0);

      const scan = await lagwatch(['log:alert-scan', '--json'], world.env, world.dir);
      expect(scan.code, scan.stderr).toBe(0);
      expect(JSON.parse(scan.stdout)).toMatchObject({ status: 'success', violations: 24, alerts_queued: 7 });

      // Telegram: one message per violated rule, readable, with the right figures.
      const telegram = await standIn.waitForMessages(3, CHAT);
      const text = (app: string, key?: string) =>
        telegram
          .map((m) => m.visibleText)
          .filter(
            (v) =>
              v.includes(`App: ${app}`) &&
              (key === undefined ? !v.includes('Message key:') : v.includes(`Message key: ${key}`)),
          );
      expect(text('checkout')).toEqual([expect.stringContaining('15 violations over the 500 ms threshold')]);
      expect(text('checkout', 'POST /orders')).toEqual([
        expect.stringContaining('6 violations over the 2 s threshold'),
      ]);
      expect(text('search')).toEqual([expect.stringContaining('3 violations over the 300 ms threshold')]);
      expect(text('checkout')[0]).toContain('Worst: 706 ms');
      expect(text('checkout')[0]).toMatch(/cart-56/); // the worst sample, with its trace link
      expect(telegram.flatMap((m) => m.links)).toContain('http://lagwatch.test:9501/#/trace/cart-56');

      // Email: the two checkout rules, one mail each.
      const mails = await peer.waitForMessages(2);
      const subjects = mails.map((m) => parseMail(m.raw).headers.get('subject')![0]!).sort();
      expect(subjects).toEqual([
        '[lagwatch] Slow checkout / POST /orders: 6 violations, worst 2.55 s',
        '[lagwatch] Slow checkout: 15 violations, worst 706 ms',
      ]);
      expect(mails.every((m) => m.envelopeTo.join() === 'ops@example.com')).toBe(true);

      // Webhook: the same two, as JSON.
      for (let i = 0; i < 100 && hooks.received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      const bodies = hooks.received.map(
        (h) => JSON.parse(h.body) as { rule: { type: string }; count: number; worst_ms: number },
      );
      expect(bodies.map((b) => [b.rule.type, b.count, b.worst_ms]).sort()).toEqual([
        ['app', 15, 706],
        ['message', 6, 2550],
      ]);

      const rows = await world.ctx.state.db.selectFrom('alert_log').selectAll().execute();
      expect(rows).toHaveLength(7);
      for (let i = 0; i < 100 && rows.some((r) => r.status !== 'sent'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        rows.splice(0, rows.length, ...(await world.ctx.state.db.selectFrom('alert_log').selectAll().execute()));
      }
      expect(rows.map((r) => r.status)).toEqual(Array(7).fill('sent'));
      const payloads = rows.map((r) => JSON.parse(r.payload) as AlertNotification);
      expect(payloads.every((p) => p.count === p.sinceLastAlert)).toBe(true);

      // A second scan finds nothing new and sends nothing.
      const again = await lagwatch(['log:alert-scan', '--json'], world.env, world.dir);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ status: 'success', violations: 0, alerts_queued: 0 });
      expect(standIn.messages).toHaveLength(3);
      expect(peer.messages).toHaveLength(2);
      expect(hooks.received).toHaveLength(2);
      const cron = await world.ctx.state.db
        .selectFrom('cron_logs')
        .select(['status', 'violations', 'alerts'])
        .orderBy('id')
        .execute();
      expect(cron.map((c) => [c.status, Number(c.violations), Number(c.alerts)])).toEqual([
        ['success', 24, 7],
        ['success', 0, 0],
      ]);
    },
  );
});
