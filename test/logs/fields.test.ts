import { describe, expect, it } from 'vitest';
import type { LogFieldNames } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { extractLog, msToUnit, parseTimestamp, readPath } from '../../src/logs/fields.js';

const fieldsFor = (env: Record<string, string> = {}): LogFieldNames => loadConfig(env, undefined).fields;
const DEFAULT = fieldsFor();
const ECS = fieldsFor({ LOG_FIELDS: 'ecs' });

const T = '2026-03-04T05:06:07.089Z';
const T_MS = Date.UTC(2026, 2, 4, 5, 6, 7, 89);

function extracted(doc: unknown, fields: LogFieldNames = DEFAULT) {
  const result = extractLog(doc, fields);
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  return result.log;
}

function reason(doc: unknown, fields: LogFieldNames = DEFAULT): string {
  const result = extractLog(doc, fields);
  if (result.ok) throw new Error('accepted');
  return result.reason;
}

describe('field presets', () => {
  it('default preset reads the flat field names, duration in ms', () => {
    expect(
      extracted({
        '@timestamp': T,
        app_name: 'checkout',
        message_key: 'order.create',
        duration: 1234.5,
        correlation_id: 'abc-1',
        level: 'WARNING',
        message: 'slow order',
      }),
    ).toEqual({
      time: T_MS,
      app: 'checkout',
      messageKey: 'order.create',
      durationMs: 1234.5,
      correlationId: 'abc-1',
      level: 'warning',
      message: 'slow order',
    });
  });

  it('ecs preset reads nested ECS fields, event.duration in nanoseconds', () => {
    expect(
      extracted(
        {
          '@timestamp': T,
          service: { name: 'payments' },
          event: { action: 'charge', duration: 2_500_000_000 },
          trace: { id: 'trace-9' },
          log: { level: 'Error' },
          message: 'gateway slow',
        },
        ECS,
      ),
    ).toEqual({
      time: T_MS,
      app: 'payments',
      messageKey: 'charge',
      durationMs: 2500,
      correlationId: 'trace-9',
      level: 'error',
      message: 'gateway slow',
    });
  });

  it('ecs preset also reads literal dotted keys, as Elasticsearch accepts them', () => {
    const log = extracted(
      { '@timestamp': T, 'service.name': 'search', 'event.duration': 1_000_000, 'log.level': 'info' },
      ECS,
    );
    expect(log).toMatchObject({ app: 'search', durationMs: 1, level: 'info' });
  });

  it('default preset ignores the ECS names and ecs ignores the default ones', () => {
    expect(extracted({ '@timestamp': T, service: { name: 'x' }, event: { duration: 5 } })).toMatchObject({
      app: null,
      durationMs: null,
    });
    expect(extracted({ '@timestamp': T, app_name: 'x', duration: 5 }, ECS)).toMatchObject({
      app: null,
      durationMs: null,
    });
  });
});

describe('per-field overrides', () => {
  it('every field can be renamed, nested paths included', () => {
    const fields = fieldsFor({
      FIELD_TIMESTAMP: 'ts',
      FIELD_APP: 'ctx.service',
      FIELD_MESSAGE_KEY: 'route',
      FIELD_DURATION: 'timing.total',
      FIELD_CORRELATION_ID: 'req.id',
      FIELD_LEVEL: 'severity',
      FIELD_MESSAGE: 'msg',
    });
    expect(
      extracted(
        {
          ts: T,
          ctx: { service: 'api' },
          route: 'GET /x',
          timing: { total: 42 },
          req: { id: 'r1' },
          severity: 'DEBUG',
          msg: 'hello',
        },
        fields,
      ),
    ).toEqual({
      time: T_MS,
      app: 'api',
      messageKey: 'GET /x',
      durationMs: 42,
      correlationId: 'r1',
      level: 'debug',
      message: 'hello',
    });
  });

  it('an override on top of the ecs preset keeps the other ecs fields', () => {
    const fields = fieldsFor({ LOG_FIELDS: 'ecs', FIELD_DURATION: 'took_ms', DURATION_UNIT: 'ms' });
    expect(extracted({ '@timestamp': T, service: { name: 'a' }, took_ms: 7 }, fields)).toMatchObject({
      app: 'a',
      durationMs: 7,
    });
  });

  it.each([
    ['ms', 1500, 1500],
    ['s', 1.5, 1500],
    ['us', 1_500_000, 1500],
    ['ns', 1_500_000_000, 1500],
  ] as const)('DURATION_UNIT=%s converts %d to %d ms', (unit, raw, ms) => {
    const fields = fieldsFor({ DURATION_UNIT: unit });
    expect(extracted({ '@timestamp': T, duration: raw }, fields).durationMs).toBeCloseTo(ms, 9);
    expect(msToUnit(ms, unit)).toBeCloseTo(raw, 6);
  });
});

describe('dotted paths', () => {
  it('reads nested objects, literal dotted keys and mixtures of both', () => {
    expect(readPath({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
    expect(readPath({ 'a.b.c': 2 }, 'a.b.c')).toBe(2);
    expect(readPath({ a: { 'b.c': 3 } }, 'a.b.c')).toBe(3);
    expect(readPath({ 'a.b': { c: 4 } }, 'a.b.c')).toBe(4);
  });

  it('answers undefined for missing steps and non-objects on the way', () => {
    expect(readPath({ a: 1 }, 'a.b')).toBeUndefined();
    expect(readPath({ a: null }, 'a.b')).toBeUndefined();
    expect(readPath({}, 'x')).toBeUndefined();
    expect(readPath('text', 'x')).toBeUndefined();
  });

  it('does not read inherited properties', () => {
    expect(readPath({}, 'constructor')).toBeUndefined();
    expect(readPath({ a: {} }, 'a.toString')).toBeUndefined();
  });
});

describe('timestamps', () => {
  it.each([
    ['2026-03-04T05:06:07.089Z', T_MS],
    ['2026-03-04T05:06:07Z', Date.UTC(2026, 2, 4, 5, 6, 7)],
    ['2026-03-04t05:06:07z', Date.UTC(2026, 2, 4, 5, 6, 7)],
    ['2026-03-04T07:06:07.089+02:00', T_MS],
    ['2026-03-04T07:06:07.089+0200', T_MS],
    ['2026-03-04T07:06:07.089+02', T_MS],
    ['2026-03-04T00:36:07.089-04:30', T_MS],
    ['2026-03-04T05:06:07.089', T_MS],
    ['2026-03-04 05:06:07.089', T_MS],
    ['2026-03-04T05:06', Date.UTC(2026, 2, 4, 5, 6)],
    ['2026-03-04', Date.UTC(2026, 2, 4)],
    ['2026-03-04T05:06:07.089123Z', T_MS],
    ['2026-03-04T07:06:07.089123+02:00', T_MS],
    ['2026-03-04T05:06:07.5Z', Date.UTC(2026, 2, 4, 5, 6, 7, 500)],
    ['2024-02-29T12:00:00.000Z', Date.UTC(2024, 1, 29, 12)],
    ['2026-01-31T23:59:59.999Z', Date.UTC(2026, 0, 31, 23, 59, 59, 999)],
  ])('ISO 8601 %s', (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it('epoch milliseconds as a number or a digit string', () => {
    expect(parseTimestamp(T_MS)).toBe(T_MS);
    expect(parseTimestamp(T_MS + 0.7)).toBe(T_MS);
    expect(parseTimestamp(String(T_MS))).toBe(T_MS);
    expect(parseTimestamp(0)).toBe(0);
    expect(extracted({ '@timestamp': T_MS }).time).toBe(T_MS);
    expect(extracted({ '@timestamp': String(T_MS) }).time).toBe(T_MS);
  });

  it.each([
    ['not a date'],
    ['2026-13-01T00:00:00Z'],
    ['2026-02-29T00:00:00.000Z'],
    ['2026-02-30T00:00:00Z'],
    ['2026-04-31'],
    ['2026-03-04T25:00:00Z'],
    ['2026-03-04T05:06:07+25:00'],
    ['04/03/2026'],
    ['2026-03-04T05:06:07.089Zjunk'],
    [''],
    ['12345678901234567'],
    [-1],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [true],
    [{}],
    [[T]],
  ])('rejects %j', (value) => {
    expect(parseTimestamp(value)).toBeUndefined();
  });
});

describe('bad documents', () => {
  it('rejects what is not a JSON object', () => {
    for (const doc of [null, 42, 'text', true, [], [{ '@timestamp': T }]]) {
      expect(reason(doc)).toBe('not a JSON object');
    }
  });

  it('rejects a missing or null time, naming the field', () => {
    expect(reason({ app_name: 'a' })).toBe('missing @timestamp');
    expect(reason({ '@timestamp': null })).toBe('missing @timestamp');
    expect(reason({ ts: T }, fieldsFor({ FIELD_TIMESTAMP: 'meta.ts' }))).toBe('missing meta.ts');
  });

  it('rejects a time it cannot read, saying what it expects', () => {
    expect(reason({ '@timestamp': 'yesterday' })).toBe(
      '@timestamp is not an ISO 8601 time or epoch milliseconds between 1970-01-01 and 9999-12-31',
    );
    expect(reason({ '@timestamp': { seconds: 1 } })).toBe(
      '@timestamp is not an ISO 8601 time or epoch milliseconds between 1970-01-01 and 9999-12-31',
    );
  });
});

describe('values', () => {
  it('a non-numeric duration makes a log without duration', () => {
    for (const duration of ['fast', '', '12ms', null, true, {}, [5], -3, '-3', Number.NaN]) {
      expect(extracted({ '@timestamp': T, duration }).durationMs).toBeNull();
    }
    expect(extracted({ '@timestamp': T }).durationMs).toBeNull();
  });

  it('numeric strings are durations', () => {
    expect(extracted({ '@timestamp': T, duration: '250' }).durationMs).toBe(250);
    expect(extracted({ '@timestamp': T, duration: ' 2.5e2 ' }).durationMs).toBe(250);
    expect(extracted({ '@timestamp': T, duration: 0 }).durationMs).toBe(0);
  });

  it('text fields take strings, numbers and booleans; empty strings and objects are absent', () => {
    const log = extracted({ '@timestamp': T, app_name: 7, message_key: '', correlation_id: { a: 1 }, message: false });
    expect(log).toMatchObject({ app: '7', messageKey: null, correlationId: null, message: 'false', level: null });
  });
});
