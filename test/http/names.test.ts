import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi, validAppRule, validMessageRule, validTarget } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'http names');

const NFD = 'cafe\u0301';
const NFC = 'caf\u00e9';

describe.each(drivers)('names and fields over $driver', (driver) => {
  let api: TestApi;
  const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    api.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    if (!driver.skipReason) api = await testApi(driver);
  });
  afterAll(async () => {
    await api?.close();
  });

  it.skipIf(driver.skipReason)('stores a decomposed name precomposed (NFC) and finds it by either form', async () => {
    const rule = await send('POST', '/rules/app', validAppRule({ app_name: NFD }));
    expect(rule.statusCode, rule.body).toBe(201);
    expect(rule.json().data.app_name).toBe(NFC);
    const stored = await api.ctx.state.db.selectFrom('app_rules').select('app_name').execute();
    expect(stored.map((r) => r.app_name)).toEqual([NFC]);
    for (const form of [NFD, NFC]) {
      const listed = await send('GET', `/rules/app?app_name=${encodeURIComponent(form)}`);
      expect(listed.json().data.items.map((r: { app_name: string }) => r.app_name)).toEqual([NFC]);
    }
    const again = await send('POST', '/rules/app', validAppRule({ app_name: NFC }));
    expect(again.statusCode).toBe(409);

    const message = await send(
      'POST',
      '/rules/message',
      validMessageRule({ app_name: NFD, message_key: `${NFD} key` }),
    );
    expect(message.json().data).toMatchObject({ app_name: NFC, message_key: `${NFC} key` });
    const target = await send('POST', '/targets', validTarget({ name: `${NFD} team` }));
    expect(target.json().data.name).toBe(`${NFC} team`);

    const silence = await send('POST', '/silences', {
      app_name: NFD,
      message_key: `${NFD} key`,
      duration_minutes: 30,
      created_by: `${NFD} ops`,
    });
    expect(silence.statusCode, silence.body).toBe(201);
    expect(silence.json().data).toMatchObject({ app_name: NFC, message_key: `${NFC} key`, created_by: `${NFC} ops` });
    const silences = await send('GET', `/silences?app_name=${encodeURIComponent(NFD)}`);
    expect(silences.json().data.total).toBe(1);
  });

  it.skipIf(driver.skipReason)('lists every one of 250 unknown fields, and nothing is created', async () => {
    const unknown = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`field_${i}`, true]));
    const response = await send('POST', '/rules/app', { ...validAppRule({ app_name: 'many-fields' }), ...unknown });
    expect(response.statusCode).toBe(422);
    const details: { field: string; message: string }[] = response.json().error.details;
    expect(details).toHaveLength(250);
    expect(new Set(details.map((d) => d.field))).toEqual(new Set(Object.keys(unknown)));
    expect(details.every((d) => d.message === 'is not a known field')).toBe(true);
    const listed = await send('GET', '/rules/app?app_name=many-fields');
    expect(listed.json().data.total).toBe(0);

    // Known problems come first; an update of unknown fields only is not also called empty.
    const mixed = await send('POST', '/rules/app', { max_duration: -1, alert_channels: ['email'], nope: 1 });
    expect(mixed.json().error.details).toEqual([
      { field: 'app_name', message: 'is required' },
      { field: 'max_duration', message: 'must be > 0' },
      { field: 'nope', message: 'is not a known field' },
    ]);
    const update = await send('PUT', '/rules/app/999999', { a: 1, b: 2 });
    expect(update.statusCode).toBe(422);
    expect(update.json().error.details).toEqual([
      { field: 'a', message: 'is not a known field' },
      { field: 'b', message: 'is not a known field' },
    ]);
  });

  it.skipIf(driver.skipReason)('a silence made through the API cannot claim to come from Telegram', async () => {
    for (const created_by of ['telegram:@ann', 'Telegram:@ann', '\uff54elegram:x']) {
      const response = await send('POST', '/silences', { app_name: 'claims', duration_minutes: 10, created_by });
      expect(response.statusCode, created_by).toBe(422);
      expect(response.json().error.details).toEqual([
        {
          field: 'created_by',
          message: 'must not start with "telegram:": that is kept for silences made with the Telegram Mute buttons',
        },
      ]);
    }
    const fine = await send('POST', '/silences', {
      app_name: 'claims',
      duration_minutes: 10,
      created_by: 'ops via telegram',
    });
    expect(fine.statusCode).toBe(201);
    const listed = await send('GET', '/silences?app_name=claims');
    expect(listed.json().data.items.map((s: { created_by: string }) => s.created_by)).toEqual(['ops via telegram']);
  });

  it.skipIf(driver.skipReason)('an invisible character is refused with a message that says what is wrong', async () => {
    const response = await send('POST', '/targets', validTarget({ name: 'ops\u200bmail' }));
    expect(response.statusCode).toBe(422);
    expect(response.json().error.details).toEqual([
      {
        field: 'name',
        message:
          'must be printable text without control or invisible format characters (such as bidirectional marks, zero-width spaces, soft hyphens) or white space at either end',
      },
    ]);
  });
});
