import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertLogTable } from '../../src/db/schema.js';
import { insertAlertRows } from '../support/alert-log-rows.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  startWebHarness,
  type WebHarness,
} from './harness.js';
import { seedDemoData } from './seed.js';

if (chromiumMissing) console.warn(`[web/relative-time] SKIPPED: ${chromiumMissing}`);

const MINUTE = 60_000;

/**
 * Relative times ("in 59 min", "30 s ago", "due in 20 s") follow the clock without a refetch:
 * the page's clock is Playwright's fake one, moved forward while no request is made. The view
 * names a custom range, so the clock-driven refresh of a preset ("last hour") stays out of it.
 * And a URL value a page cannot show says so in its notice.
 */
describe.skipIf(chromiumMissing)('relative times and URL notices in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-relative-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    await seedDemoData(h.ctx, h.store, { now: Date.now(), count: 200, spanMs: 30 * MINUTE, seed: 11 });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  /** A page on the fake clock (starting at the real now), its errors and the requests made from `counting()` on. */
  async function openOnFakeClock(path: string) {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    let counting = false;
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (counting) requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.clock.install();
    await page.goto(`${h.url}/#/${path}`);
    return {
      page,
      errors,
      requests,
      /** Stops the clock (timers fire only when moved) and counts requests from now on. */
      async freeze() {
        await page.clock.pauseAt(Date.now() + 1_000);
        counting = true;
      },
    };
  }

  const customRange = () =>
    `from=${new Date(Date.now() - 2 * 60 * MINUTE).toISOString()}&to=${new Date(Date.now() + 3 * 60 * MINUTE).toISOString()}`;

  it('the Silences page counts down and says "ended …" as time passes, with no request', async () => {
    const now = Date.now();
    const create = async (body: Record<string, unknown>) => {
      const answer = await h.api('POST', '/silences', body);
      expect(answer.status).toBe(201);
      return answer.body.data.id as number;
    };
    const soon = await create({ app_name: 'soon-api', ends_at: new Date(now + 90_000).toISOString() });
    const hour = await create({ app_name: 'hour-api', duration_minutes: 60 });
    const later = await create({
      app_name: 'later-api',
      starts_at: new Date(now + 2 * MINUTE).toISOString(),
      duration_minutes: 10,
    });
    const { page, errors, requests, freeze } = await openOnFakeClock(`silences?${customRange()}`);
    const row = (id: number) => page.locator(`tr[data-silence-id="${id}"]`);
    const when = (id: number) => row(id).getByTestId('silence-relative').textContent();
    await eventually(() => when(hour)).toBe('in 59 min');
    await freeze();
    expect(await when(soon)).toMatch(/^in (1 min|\d\d s)$/);
    expect(await when(later)).toBe('starts in 1 min');
    expect(await row(soon).getByRole('button', { name: 'Expire' }).count()).toBe(1);

    await page.clock.fastForward(40_000);
    await eventually(() => when(soon)).toMatch(/^in \d\d? s$/);
    await page.clock.fastForward(60_000);
    // Still in the "active" group (no refetch), but its words and controls follow the clock.
    await eventually(() => when(soon)).toMatch(/^ended (just now|\d\d? s ago)$/);
    expect(await row(soon).getByRole('button', { name: 'Expire' }).count()).toBe(0);
    expect(await row(soon).textContent()).toContain('ended');
    expect(await when(hour)).toMatch(/^in 5[78] min$/);
    await page.clock.fastForward(2 * MINUTE);
    await eventually(() => when(later)).toMatch(/^in [89] min$/);
    await page.clock.fastForward(60 * MINUTE);
    await eventually(() => when(hour)).toMatch(/^ended [23] min ago$/);
    expect(await when(soon)).toMatch(/^ended 1 h [23] min ago$/);

    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the alert log: "ago", a retry "due in", and a row\'s mute note follow the clock, with no request', async () => {
    const now = Date.now();
    const rule = (await h.api('GET', '/rules/message')).body.data.items[0];
    const row = (minutesAgo: number, over: Partial<Insertable<AlertLogTable>>): Insertable<AlertLogTable> => ({
      rule_type: 'message',
      rule_id: rule.id,
      app_name: rule.app_name,
      message_key: rule.message_key,
      channel: 'webhook',
      destination: 'https://hooks.example.com/lagwatch',
      target_id: null,
      status: 'sent',
      attempts: 1,
      next_attempt_at: now - minutesAgo * MINUTE,
      last_error: null,
      violation_count: 2,
      payload: '{}',
      created_at: now - minutesAgo * MINUTE,
      updated_at: now - minutesAgo * MINUTE,
      sent_at: now - minutesAgo * MINUTE,
      ...over,
    });
    const ids = await insertAlertRows(h.ctx.state.db, {
      recent: row(0.5, {}),
      older: row(61, {}),
      pending: row(0.2, { status: 'pending', sent_at: null, next_attempt_at: now + 40_000, last_error: 'HTTP 503' }),
    });
    const silence = await h.api('POST', '/silences', {
      app_name: rule.app_name,
      message_key: rule.message_key,
      ends_at: new Date(now + 3 * MINUTE).toISOString(),
    });
    expect(silence.status).toBe(201);

    const { page, errors, requests, freeze } = await openOnFakeClock(`alerts?${customRange()}`);
    const alertRow = (id: number) => page.locator(`tr[data-alert-id="${id}"]`);
    const ago = (id: number) => alertRow(id).getByTestId('alert-relative').textContent();
    await eventually(() => ago(ids.older!)).toBe('1 h 1 min ago');
    await eventually(() => alertRow(ids.recent!).getByTestId('muted-note').count()).toBe(1);
    await freeze();
    expect(await ago(ids.recent!)).toMatch(/^\d\d s ago$/);
    expect(await alertRow(ids.pending!).getByTestId('alert-pending').textContent()).toMatch(/\(in \d\d s\)$/);
    expect(await alertRow(ids.recent!).getByTestId('muted-note').textContent()).toMatch(/\(in [23] min\)/);

    await page.clock.fastForward(50_000);
    await eventually(() => alertRow(ids.pending!).getByTestId('alert-pending').textContent()).toMatch(/\(now\)$/);
    await eventually(() => ago(ids.recent!)).toBe('1 min ago');
    await page.clock.fastForward(3 * MINUTE);
    // The silence ended: the row offers Mute again, without asking the server.
    await eventually(() => alertRow(ids.recent!).getByTestId('muted-note').count()).toBe(0);
    expect(
      await alertRow(ids.recent!)
        .getByRole('button', { name: /^Mute .*…$/ })
        .count(),
    ).toBe(1);
    await page.clock.fastForward(60 * MINUTE);
    await eventually(() => ago(ids.older!)).toMatch(/^2 h [45] min ago$/);
    expect(await ago(ids.recent!)).toMatch(/^1 h [45] min ago$/);

    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("each page's URL value it cannot show says so, and the page shows what it says instead", async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const notice = async () => (await page.getByTestId('url-notice').allTextContents()).join(' | ');
    const visit = async (hash: string) => {
      await page.goto('about:blank');
      await page.goto(`${h.url}/${hash}`);
    };
    const cases: [string, string[]][] = [
      ['#/?range=1h&sort=loudest', ['sort=loudest is not one this list knows']],
      ['#/violations?range=1h&sort=loudest', ['sort=loudest is not one this list knows']],
      [
        '#/violations?range=1h&rule=latency:3',
        [
          "rule=latency:3 is not a rule with violations (app, message): its incidents are on the Incidents page — showing every rule's violations instead",
        ],
      ],
      [
        '#/violations?range=1h&rule=bogus',
        ["rule=bogus is not a rule (<kind>:<id>) — showing every rule's violations instead"],
      ],
      ['#/violations?range=1h&ids=9-1', ['ids=9-1 is not a range of violation ids (<first>-<last>)']],
      ['#/violations?range=1h&ids=1-9', ["ids=1-9 names one notification's violations only with its rule"]],
      [
        '#/incidents?kind=app',
        ['kind=app is not one this list knows (latency, absence, slo) — showing every kind instead'],
      ],
      ['#/incidents?kind=Latency', ['kind=Latency is not one this list knows']],
      ['#/incidents?rule=message:3', ['rule=message:3 is not a rule with incidents (latency, absence, slo)']],
      ['#/incidents?id=abc', ['id=abc is not an incident number — showing no incident open instead']],
      ['#/incidents?status=open', ['status=open is not one this list knows']],
      ['#/alerts?range=1h&status=lost', ['status=lost is not one this list knows']],
      ['#/alerts?range=1h&channel=pigeon', ['channel=pigeon is not one this list knows']],
      ['#/slos?rule=app:1', ['rule=app:1 is not an SLO (slo:<id>) — showing every SLO, none open, instead']],
      ['#/slos?rule=slo', ['rule=slo is not an SLO (slo:<id>)']],
      [
        '#/audit?entity=widget',
        ['entity=widget is not one this list knows (rule, target, silence, token) — showing every entity instead'],
      ],
      ['#/audit?entity=Rule', ['entity=Rule is not one this list knows']],
      ['#/audit?page=500', ['page=500 is past the end']],
      [
        '#/silences?for=2x',
        ['for=2x is not a duration (30m, 1h, 1d; at most a year) — showing 1 hour in the form instead'],
      ],
      ['#/silences?id=abc', ['id=abc is not a silence number — showing every silence instead']],
      ['#/silences?page=50', ['page=50 is past the end: this list has 1 page']],
      ['#/tokens?page=9', ['page=9 is past the end: this list has 1 page']],
    ];
    for (const [hash, expected] of cases) {
      await visit(hash);
      for (const text of expected) await expect.poll(notice, { timeout: 20_000, message: hash }).toContain(text);
    }
    // What the notice says is shown is what is shown: the filter left out is not applied.
    await visit('#/incidents?kind=app');
    await eventually(notice).toContain('kind=app');
    expect(await page.getByRole('form', { name: 'Filter incidents' }).getByLabel('Rule type').inputValue()).toBe('');
    await visit('#/audit?entity=widget');
    await eventually(notice).toContain('entity=widget');
    expect(await page.getByRole('form', { name: 'Audit filters' }).getByLabel('Entity').inputValue()).toBe('');
    await eventually(() => page.getByTestId('audit-row').count()).toBeGreaterThan(0);
    // Values the pages know: no notice once the page shows its list.
    const known: [string, string][] = [
      ['#/incidents?kind=latency', 'form[aria-label="Filter incidents"]'],
      ['#/audit?entity=silence', '[data-testid="audit-row"]'],
      ['#/silences?for=30m', 'form[aria-label="New silence"]'],
      ['#/slos?rule=slo:1', '.card'],
    ];
    for (const [hash, shown] of known) {
      await visit(hash);
      await page.locator(shown).first().waitFor();
      expect(await page.getByTestId('url-notice').count(), hash).toBe(0);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
