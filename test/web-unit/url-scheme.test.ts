// Pure modules of the dashboard (no DOM at import), type-checked with web/tsconfig.json.
import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from '../../web/src/url-scheme.js';

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
