import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/alerts/channels/notifier.js';
import {
  maskRoutingKey,
  PagerDutyNotifier,
  pagerDutyAddressProblem,
  pagerDutyProvider,
  THROTTLE_BACKOFF_MS,
} from '../../../src/alerts/channels/pagerduty/provider.js';
import { pagerDutyDedupKey } from '../../../src/alerts/channels/pagerduty/render.js';
import { CHANNELS } from '../../../src/alerts/channels/registry.js';
import type { AlertNotification, Destination } from '../../../src/alerts/notification.js';
import { sendTargetTest } from '../../../src/alerts/target-test.js';
import { loadConfig } from '../../../src/config/load.js';
import { closedPort } from '../../support/ports.js';
import { PagerDutyStandIn, type PdEvent } from '../../support/stand-ins/pagerduty.js';
import { HOSTILE_TEXTS, notification, sample } from '../render/sample-notification.js';
import { everyKind, resolved, selfAlert, sentenceOnly, windowFiring, windowReminder, windowResolved } from './kinds.js';

const pd = new PagerDutyStandIn();
let notifier: PagerDutyNotifier;
let key: string;

beforeAll(async () => {
  await pd.start();
  notifier = new PagerDutyNotifier({ eventsUrl: pd.eventsUrl });
});
afterAll(() => pd.stop());
beforeEach(() => {
  key = pd.routingKey();
});

const to = (address = key): Destination => ({ channel: 'pagerduty', address, targetId: 3 });

async function send(n: AlertNotification): Promise<PdEvent> {
  const before = pd.events.length;
  const receipt = await notifier.send(n, to());
  expect(pd.events).toHaveLength(before + 1);
  const event = pd.events.at(-1)!;
  expect(receipt).toEqual({
    dedupKey: event.dedup_key,
    reply: `202 Accepted: success, Event processed (dedup_key ${event.dedup_key})`,
  });
  return event;
}

/** The failure of a send; it never contains the routing key. */
async function failure(n: AlertNotification, address = key, using = notifier): Promise<DeliveryError> {
  const error = await using.send(n, to(address)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  expect((error as DeliveryError).message).not.toContain(address);
  return error as DeliveryError;
}

describe('PagerDuty', () => {
  it('an alert triggers an incident with summary, source, severity, time, details and links', async () => {
    const event = await send(notification());
    expect(event).toMatchObject({
      routing_key: key,
      event_action: 'trigger',
      dedup_key: 'lagwatch:message:7',
      client: 'lagwatch',
      client_url: 'http://127.0.0.1:9501/',
      payload: {
        summary: '[lagwatch] Slow checkout / POST /orders: 3 violations, worst 2.35 s',
        source: 'checkout',
        severity: 'error',
        timestamp: '2026-11-27T10:04:59.000Z', // the newest violation's log time
        component: 'POST /orders',
        group: 'checkout',
        class: 'message rule',
        custom_details: {
          rule: 'message:7',
          count: 3,
          threshold_ms: 500,
          worst_ms: 2345,
          violations: '3 violations over the 500 ms threshold',
          samples: [
            { correlation_id: 'req-1', duration_ms: 2345, message: 'GET /orders took too long' },
            { correlation_id: 'req-2', duration_ms: 1900, message: 'second' },
          ],
        },
      },
    });
    expect(event.links!.map((l) => l.text)).toEqual([
      'Open in the lagwatch dashboard',
      'Trace req-1',
      'Trace req-2',
      'Mute 1 h in lagwatch',
    ]);
    expect(event.links![3]!.href).toBe('http://127.0.0.1:9501/#/silences?app=checkout&key=POST+/orders&for=1h');
    expect(pd.incidentsOf(key)).toMatchObject([{ status: 'triggered', triggers: 1, severity: 'error' }]);
  });

  it('a trigger then its resolve closes exactly that incident; two rules are two incidents', async () => {
    await send(notification());
    await send(notification({ ruleId: 8, messageKey: 'GET /cart' }));
    expect(pd.incidentsOf(key).map((i) => i.status)).toEqual(['triggered', 'triggered']);

    const resolve = await send(resolved());
    expect(resolve).toEqual({ routing_key: key, event_action: 'resolve', dedup_key: 'lagwatch:message:7' });
    expect(pd.incidentsOf(key).map((i) => [i.dedupKey, i.status])).toEqual([
      ['lagwatch:message:7', 'resolved'],
      ['lagwatch:message:8', 'triggered'],
    ]);
    // The next episode of rule 7 is a new incident.
    await send(notification());
    expect(pd.incidentsOf(key).map((i) => i.status)).toEqual(['resolved', 'triggered', 'triggered']);
  });

  it('window kinds: a reminder folds into the open incident, the resolution closes it; series are apart', async () => {
    await send(windowFiring());
    await send(windowReminder());
    await send(windowFiring({ messageKey: 'GET /cart' }));
    const open = pd.incidentsOf(key);
    expect(open).toHaveLength(2);
    expect(open[0]).toMatchObject({ status: 'triggered', triggers: 2 });
    expect(open[0]!.dedupKey).toMatch(/^lagwatch:latency:3:[0-9a-f]{16}$/);
    expect(open[1]!.dedupKey).not.toBe(open[0]!.dedupKey);

    await send(windowResolved());
    expect(pd.incidentsOf(key).map((i) => i.status)).toEqual(['resolved', 'triggered']);
    expect(pagerDutyDedupKey(windowResolved())).toBe(pagerDutyDedupKey(windowFiring()));
  });

  it('a self-alert, and a kind no renderer knows, each open and close their own incident', async () => {
    const trigger = await send(selfAlert('alert'));
    expect(trigger.payload!.summary).toBe(
      '[lagwatch] lagwatch cannot watch: every scan has failed since 10:00 UTC (7 min), 7 runs; last error: ECONNREFUSED',
    );
    expect(trigger.payload!.class).toBe('self rule');
    const canary = await send(sentenceOnly('alert'));
    expect(canary.payload!.summary).toBe('[lagwatch] the canary probe has not answered for 7 min');
    await send(selfAlert('resolved'));
    expect(pd.incidentsOf(key).map((i) => i.status)).toEqual(['resolved', 'triggered']);
    await send(sentenceOnly('resolved'));
    expect(pd.incidentsOf(key)).toMatchObject([
      { status: 'resolved', triggers: 1 },
      { status: 'resolved', triggers: 1 },
    ]);
  });

  it('every notification kind is a valid event; severity defaults to error and follows the notification', async () => {
    for (const [name, n] of everyKind()) {
      const event = await send(n);
      expect(event.event_action, name).toBe(n.kind === 'resolved' ? 'resolve' : 'trigger');
      if (event.payload) expect(event.payload.severity, name).toBe('error');
    }
    const paged = await send(windowFiring({ ruleId: 11, severity: 'critical' }));
    expect(paged.payload!.severity).toBe('critical');
    const warned = await send(windowFiring({ ruleId: 12, severity: 'warning' }));
    expect(pd.incidentsOf(key).find((i) => i.dedupKey === warned.dedup_key)!.severity).toBe('warning');
    expect(pd.refusals).toEqual([]);
  });

  it('hostile and huge log text: a summary of at most 1024 characters, JSON-escaped, accepted', async () => {
    for (const { text, readable } of [...HOSTILE_TEXTS, { text: 'x'.repeat(100_000), readable: 'xxxx' }]) {
      const n = notification({
        app: text,
        messageKey: text,
        samples: [sample({ message: text, correlationId: text })],
      });
      const event = await send(n);
      expect(event.payload!.summary.length).toBeLessThanOrEqual(1024);
      expect(event.payload!.source.length).toBeGreaterThan(0);
      // No controls or bidi overrides reach the incident's one-line fields.
      const oneLiners = [event.payload!.summary, event.payload!.source, event.payload!.component ?? ''].join('');
      expect([...oneLiners].filter((c) => c < ' ' || c === '\u202e')).toEqual([]);
      expect(event.payload!.summary).toContain(readable.slice(0, 30));
    }
    const long = await send(windowFiring({ sentence: 'p95 1 s '.repeat(2_000) }));
    expect(long.payload!.summary.length).toBeLessThanOrEqual(1024);
    expect(long.payload!.summary.endsWith('…')).toBe(true);
    expect(pd.refusals).toEqual([]);
  });

  it('throttled (429, no Retry-After) and 5xx are retried; an invalid event is not; none names the key', async () => {
    pd.throttleNext();
    const throttled = await failure(notification());
    expect([throttled.retryable, throttled.retryAfterMs]).toEqual([true, THROTTLE_BACKOFF_MS]);
    expect(throttled.message).toContain('429');
    expect(throttled.message).toContain('throttle event');

    pd.failNext(1, 502, '<html>Bad Gateway</html>');
    expect((await failure(notification())).retryable).toBe(true);

    pd.failNext(1, 400, {
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: [`routing_key ${key} is not known`],
    });
    const invalid = await failure(notification());
    expect(invalid.retryable).toBe(false);
    expect(invalid.message).toContain('400 Bad Request: invalid event: Event object is invalid (routing_key ***');

    const down = await failure(
      notification(),
      key,
      new PagerDutyNotifier({ eventsUrl: `http://127.0.0.1:${await closedPort()}/v2/enqueue` }),
    );
    expect(down.retryable).toBe(true);
    expect(pd.incidentsOf(key)).toEqual([]);
  });

  it('a malformed routing key is refused before anything is sent, saying why without quoting it', async () => {
    const before = pd.events.length + pd.refusals.length;
    const short = await failure(notification(), 'abc123abc123abc123abc123abc123a');
    expect([short.retryable, short.message]).toEqual([false, expect.stringContaining('it has 31')]);
    expect(pd.events.length + pd.refusals.length).toBe(before);

    expect(pagerDutyAddressProblem(key)).toBeUndefined();
    expect(pagerDutyAddressProblem(` ${key}`)).toBe('must not have spaces around it');
    expect(pagerDutyAddressProblem('https://events.pagerduty.com/v2/enqueue')).toMatch(/not a URL/);
    expect(pagerDutyAddressProblem('R0123456789abcdef0123456789abcd-')).toMatch(/other characters/);
    expect(pagerDutyAddressProblem('x'.repeat(33))).toMatch(/32 letters and digits\): it has 33$/);
    expect(maskRoutingKey(key)).toBe(`***${key.slice(-4)}`);
    expect(pagerDutyProvider.maskAddress(key)).not.toContain(key.slice(0, 28));
    expect(pagerDutyProvider.secretAddress).toBe(true);
  });

  it('the stand-in refuses what PagerDuty refuses', async () => {
    const post = async (event: unknown) => {
      const response = await fetch(pd.eventsUrl, { method: 'POST', body: JSON.stringify(event) });
      return { status: response.status, body: (await response.json()) as { errors?: string[] } };
    };
    const good = {
      routing_key: key,
      event_action: 'trigger',
      payload: { summary: 's', source: 'x', severity: 'error' },
    };
    expect((await post(good)).status).toBe(202);
    for (const [bad, error] of [
      [{ ...good, routing_key: 'short' }, /routing_key/],
      [{ ...good, event_action: 'open' }, /event_action/],
      [{ ...good, payload: { ...good.payload, severity: 'high' } }, /severity/],
      [{ ...good, payload: { ...good.payload, summary: 's'.repeat(1025) } }, /summary/],
      [{ ...good, payload: { ...good.payload, timestamp: 'yesterday' } }, /timestamp/],
      [{ ...good, payload: { summary: 's', severity: 'error' } }, /source/],
      [{ ...good, dedup_key: 'k'.repeat(256) }, /dedup_key/],
      [{ routing_key: key, event_action: 'resolve' }, /dedup_key/],
    ] as const) {
      const answer = await post(bad);
      expect(answer.status).toBe(400);
      expect(answer.body.errors!.join(' ')).toMatch(error);
    }
  });

  it('PAGERDUTY_EVENTS_URL: the default, an override, a refused value', () => {
    expect(loadConfig({}, undefined).pagerdutyEventsUrl).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(loadConfig({ PAGERDUTY_EVENTS_URL: pd.eventsUrl }, undefined).pagerdutyEventsUrl).toBe(pd.eventsUrl);
    expect(() => loadConfig({ PAGERDUTY_EVENTS_URL: 'events.pagerduty.com' }, undefined)).toThrow(
      /PAGERDUTY_EVENTS_URL/,
    );
  });

  it('previews: the event as the incident reads; a resolve names what it closes', () => {
    expect(pagerDutyProvider.preview(notification()).text).toContain(
      '[lagwatch] Slow checkout / POST /orders: 3 violations, worst 2.35 s\n\nSeverity: error',
    );
    expect(pagerDutyProvider.preview(resolved()).text).toBe(
      'PagerDuty resolve of incident lagwatch:message:7\nResolved: checkout / POST /orders back under 500 ms after 23 min, 41 violations',
    );
  });
});

describe('PagerDuty through the registry', () => {
  it('a test send (POST /targets/{id}/test) triggers an incident and says what PagerDuty answered, key masked', async () => {
    const config = loadConfig({ PAGERDUTY_EVENTS_URL: pd.eventsUrl }, undefined);
    const routingKey = pd.routingKey();
    expect(CHANNELS.targetAddressProblem('pagerduty', routingKey)).toBeUndefined();
    expect(CHANNELS.targetAddressProblem('pagerduty', 'abc')).toEqual({
      field: 'external_id',
      message: expect.stringContaining('32 letters and digits'),
    });
    const result = await sendTargetTest(
      { channels: CHANNELS, notifiers: CHANNELS.createNotifiers(config), publicUrl: config.publicUrl, secrets: [] },
      { id: 9, type: 'pagerduty', external_id: routingKey },
    );
    expect(result).toEqual({
      ok: true,
      channel: 'pagerduty',
      target_id: 9,
      destination: `***${routingKey.slice(-4)}`,
      reply: expect.stringMatching(/^202 Accepted: success, Event processed \(dedup_key lagwatch:/),
      retryable: null,
    });
    expect(JSON.stringify(result)).not.toContain(routingKey);
    expect(pd.incidentsOf(routingKey)).toHaveLength(1);
  });
});
