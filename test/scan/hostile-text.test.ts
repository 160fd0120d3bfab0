import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { type ChannelPeers, startChannelPeers } from '../support/scan-harness/channel-peers.js';
import { deliverAll, FAST_PACING, openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { parseMail } from '../support/smtp-peer.js';

// Rendering does not depend on the database: SQLite is enough here.
const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
announceSkips([sqlite], 'hostile log text');

const APP = 'shop<b>&"x"';
const KEY = '</code><script>alert(1)</script> &amp; more\r\nBcc: evil@example.com';
const CID = 'c<1>&"2"';
const LONG = `${'<i>&lt;'.repeat(5)}${'x'.repeat(10_000)}`;
const MULTILINE = 'line one <b>bold?</b>\nline two & three\r\n</pre>tail';

describe('hostile log text through every channel', () => {
  let peers: ChannelPeers;
  let standIn: ChannelPeers['standIn'];
  let peer: ChannelPeers['peer'];
  let hooks: ChannelPeers['hooks'];
  let world: ScanWorld;

  beforeEach(async () => {
    peers = await startChannelPeers('777');
    ({ standIn, peer, hooks } = peers);
    world = await openScanWorld(sqlite, { env: peers.env, notifiers: FAST_PACING });
  });
  afterEach(async () => {
    await world.close();
    await peers.close();
  });

  it.skipIf(sqlite.skipReason)('is escaped for each channel, delivered, and reads as it was logged', async () => {
    const { ctx } = world;
    const channels: ['telegram_chat', 'email', 'webhook'] = ['telegram_chat', 'email', 'webhook'];
    await ctx.messageRules.create(
      { app_name: APP, message_key: KEY, max_duration: 100, alert_channels: channels },
      'test',
    );
    await ctx.targets.create({ name: 'ops', type: 'email', external_id: 'ops@example.com', is_active: true }, 'test');
    await ctx.targets.create(
      { name: 'hook', type: 'webhook', external_id: `${hooks.url}/in`, is_active: true },
      'test',
    );
    const t = Date.now() - 10_000;
    await world.ingest(
      [
        { time: t, app: APP, key: KEY, duration: 900, correlation: CID, message: LONG },
        { time: t + 1, app: APP, key: KEY, duration: 800, correlation: `${CID}-2`, message: MULTILINE },
        {
          time: t + 2,
          app: APP,
          key: KEY,
          duration: 700,
          message: '<a href="javascript:alert(1)">click</a> &#0; &bogus;',
        },
      ].map(logDocument),
    );
    expect(await world.services.scanner.run()).toMatchObject({ violations: 3, alertsQueued: 3 });
    await deliverAll(world.services);
    const rows = await ctx.state.db.selectFrom('alert_log').select(['channel', 'status', 'last_error']).execute();
    expect(rows.map((r) => [r.channel, r.status, r.last_error]).sort()).toEqual([
      ['email', 'sent', null],
      ['telegram_chat', 'sent', null],
      ['webhook', 'sent', null],
    ]);

    // Telegram: the stand-in parsed the HTML as Telegram does; the visible text is the log's.
    const telegram = standIn.messagesTo('777');
    expect(telegram.length).toBeGreaterThanOrEqual(1);
    const visible = telegram.map((m) => m.visibleText).join('\n');
    expect(visible).toContain(`App: ${APP}`);
    expect(visible).toContain('</code><script>alert(1)</script> &amp; more Bcc: evil@example.com');
    expect(visible).toContain(CID);
    expect(visible).toContain('line one <b>bold?</b> line two & three </pre>tail');
    expect(visible).toContain('<i>&lt;<i>&lt;');
    expect(visible).toContain('<a href="javascript:alert(1)">click</a> &#0; &bogus;');
    for (const m of telegram) expect(m.visibleText.length).toBeLessThanOrEqual(4096);
    expect(telegram.flatMap((m) => m.links).every((href) => href.startsWith('http://lagwatch.test:9501/'))).toBe(true);

    // Email: one recipient, no injected header, log text escaped in HTML and plain in text.
    const [mail] = await peer.waitForMessages(1);
    expect(peer.messages).toHaveLength(1);
    expect(mail!.envelopeTo).toEqual(['ops@example.com']);
    const parsed = parseMail(mail!.raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.get('subject')).toHaveLength(1);
    expect(parsed.headers.get('subject')![0]).toContain(APP);
    expect(parsed.headers.get('subject')![0]).not.toMatch(/[\r\n]/);
    expect(parsed.text).toContain('line one <b>bold?</b> line two & three </pre>tail');
    expect(parsed.html).toContain('line one &lt;b&gt;bold?&lt;/b&gt; line two &amp; three &lt;/pre&gt;tail');
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).not.toContain('<a href="javascript');
    expect(parsed.html).toContain('&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt; &amp;#0; &amp;bogus;');

    // Webhook: JSON carries the text as logged.
    expect(hooks.received).toHaveLength(1);
    const body = JSON.parse(hooks.received[0]!.body) as {
      app: string;
      message_key: string;
      samples: { correlation_id: string | null; message: string | null }[];
    };
    expect(body.app).toBe(APP);
    expect(body.message_key).toBe(KEY);
    expect(body.samples.map((s) => s.message)).toContain(MULTILINE);
    expect(body.samples.map((s) => s.correlation_id)).toContain(CID);
    // The stored message is bounded (1,000 characters), however long the log's.
    const long = body.samples.find((s) => s.message?.startsWith('<i>'));
    expect(long?.message).toBe(LONG.slice(0, 1000));
  });
});
