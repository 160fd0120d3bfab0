// Pure modules of the dashboard (no DOM at import), type-checked with web/tsconfig.json.
import { describe, expect, it } from 'vitest';
import { href, isPerLogRule, parseRoute, type Route } from '../../web/src/url-scheme.js';

describe('dashboard URL scheme', () => {
  it('round-trips every view parameter', () => {
    const route: Route = {
      page: 'violations',
      range: { kind: 'custom', from: new Date('2026-11-30T10:00:00.000Z'), to: new Date('2026-11-30T11:30:00.000Z') },
      app: 'checkout api',
      key: 'GET /orders/{id}',
      keyMatch: 'prefix',
      rule: { type: 'message', id: 42 },
      pageNumber: 3,
      sort: '-duration',
      status: 'failed',
    };
    const text = href(route);
    expect(text).toMatch(/^#\/violations\?from=2026-11-30T10%3A00%3A00.000Z&to=/);
    expect(parseRoute(text)).toEqual(route);
  });

  it('round-trips the audit log filters and page', () => {
    const route: Route = { page: 'audit', entity: 'rule', actor: 'token:on call', pageNumber: 2 };
    expect(href(route)).toBe('#/audit?page=2&entity=rule&actor=token%3Aon+call');
    expect(parseRoute(href(route))).toEqual(route);
    expect(parseRoute('#/audit?entity=Rule%20X')).toEqual({ page: 'audit' });
    expect(parseRoute('#/tokens')).toEqual({ page: 'tokens' });
  });

  it('reads presets as range tokens and writes them back the same way', () => {
    for (const [token, minutes] of [
      ['15m', 15],
      ['1h', 60],
      ['6h', 360],
      ['24h', 1440],
      ['7d', 10080],
    ] as const) {
      const route = parseRoute(`#/?range=${token}`);
      expect(route).toEqual({ page: 'overview', range: { kind: 'preset', minutes } });
      expect(href(route)).toBe(`#/?range=${token}`);
    }
  });

  it('drops parameters it cannot use instead of guessing', () => {
    expect(parseRoute('#/violations?range=5y&rule=app:x&page=0&from=yesterday&to=2026-01-01&match=regex')).toEqual({
      page: 'violations',
    });
    // a range whose end is not after its start is no range
    expect(parseRoute('#/violations?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z').range).toBeUndefined();
  });

  it('keeps trace ids with slashes and unknown pages apart', () => {
    expect(parseRoute('#/trace/a%2Fb?range=1h')).toEqual({
      page: 'trace',
      id: 'a/b',
      range: { kind: 'preset', minutes: 60 },
    });
    expect(href({ page: 'trace', id: 'a/b' })).toBe('#/trace/a%2Fb');
    expect(parseRoute('#/nowhere')).toEqual({ page: 'not-found' });
    expect(parseRoute('#/trace/%E0%A4%A')).toEqual({ page: 'not-found' });
  });
});

describe('dashboard URL scheme: incidents and rules of every kind', () => {
  it('opens the incident a window notification links to, with its rule and window', () => {
    const link = '#/incidents?id=17&rule=latency:4&from=2026-12-06T09:00:00.000Z&to=2026-12-06T10:30:00.000Z';
    const route = parseRoute(link);
    expect(route).toEqual({
      page: 'incidents',
      incidentId: 17,
      rule: { type: 'latency', id: 4 },
      range: { kind: 'custom', from: new Date('2026-12-06T09:00:00.000Z'), to: new Date('2026-12-06T10:30:00.000Z') },
    });
    expect(parseRoute(href(route))).toEqual(route);
    expect(href(route)).toContain('id=17');
  });

  it('opens one SLO on the SLO page', () => {
    const route = parseRoute('#/slos?rule=slo:5');
    expect(route).toEqual({ page: 'slos', rule: { type: 'slo', id: 5 } });
    expect(parseRoute(href(route))).toEqual(route);
  });

  it('round-trips the Incidents filters: state, rule kind, app, page', () => {
    const route: Route = { page: 'incidents', status: 'firing', ruleKind: 'absence', app: 'payments', pageNumber: 2 };
    expect(href(route)).toBe('#/incidents?app=payments&kind=absence&page=2&status=firing');
    expect(parseRoute(href(route))).toEqual(route);
    expect(parseRoute('#/incidents?kind=Bad%20Kind')).toEqual({ page: 'incidents' });
  });

  it('reads a rule of any kind, and keeps the per-log kinds as they were', () => {
    for (const kind of ['app', 'message', 'latency', 'absence', 'slo']) {
      const route = parseRoute(`#/violations?rule=${kind}:9`);
      expect(route.rule).toEqual({ type: kind, id: 9 });
      expect(href(route)).toBe(`#/violations?rule=${kind}%3A9`);
    }
    expect(isPerLogRule({ type: 'app', id: 1 })).toBe(true);
    expect(isPerLogRule({ type: 'message', id: 1 })).toBe(true);
    expect(isPerLogRule({ type: 'latency', id: 1 })).toBe(false);
    expect(isPerLogRule(undefined)).toBe(false);
  });

  it('drops rule refs and incident ids it cannot use', () => {
    for (const bad of ['Latency:1', 'latency:', ':4', 'latency:0', 'latency:-1', 'la tency:1', 'latency:1x']) {
      expect(parseRoute(`#/incidents?rule=${encodeURIComponent(bad)}`)).toEqual({ page: 'incidents' });
    }
    for (const bad of ['0', '-3', 'abc', '1.5', '']) {
      expect(parseRoute(`#/incidents?id=${bad}`)).toEqual({ page: 'incidents' });
    }
  });
});

describe('dashboard URL scheme: drill-down', () => {
  it('round-trips the level filter and the range a zoom replaced, to the millisecond', () => {
    const zoomed: Route = {
      page: 'violations',
      range: { kind: 'custom', from: new Date('2026-11-30T10:07:00.123Z'), to: new Date('2026-11-30T10:08:00.456Z') },
      zoomBase: { kind: 'preset', minutes: 60 },
      level: 'error',
    };
    expect(href(zoomed)).toBe(
      '#/violations?from=2026-11-30T10%3A07%3A00.123Z&to=2026-11-30T10%3A08%3A00.456Z&level=error&zoom=1h',
    );
    expect(parseRoute(href(zoomed))).toEqual(zoomed);
    const twice: Route = {
      ...zoomed,
      zoomBase: {
        kind: 'custom',
        from: new Date('2026-11-30T10:00:00.000Z'),
        to: new Date('2026-11-30T11:00:00.000Z'),
      },
    };
    expect(href(twice)).toContain('zoom=2026-11-30T10%3A00%3A00.000Z%7E2026-11-30T11%3A00%3A00.000Z');
    expect(parseRoute(href(twice))).toEqual(twice);
  });

  it('drops a zoom it cannot read', () => {
    for (const bad of ['2h', 'x~y', '2026-11-30T11:00:00Z~2026-11-30T10:00:00Z', '~']) {
      expect(parseRoute(`#/violations?zoom=${encodeURIComponent(bad)}`)).toEqual({ page: 'violations' });
    }
  });
});
