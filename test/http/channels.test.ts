import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/alerts/channels/notifier.js';
import type { ChannelProvider } from '../../src/alerts/channels/provider.js';
import { CHANNEL_PROVIDERS, CHANNELS, channelRegistry } from '../../src/alerts/channels/registry.js';
import { sqliteDriver, type TestApi, testApi, validAppRule, validTarget } from './support.js';

/** A channel that exists only in this test: what registering a tenth channel looks like. */
const pigeon: ChannelProvider = {
  type: 'carrier_pigeon',
  label: 'Carrier pigeon',
  addressLabel: 'Loft',
  addressHint: 'a loft name such as loft-7',
  secretAddress: false,
  missingSetting: (config) => (config.publicUrl.includes('pigeons') ? undefined : 'PIGEON_LOFT'),
  addressProblem: (address) => (/^loft-\d+$/.test(address) ? undefined : 'must be a loft name such as loft-7'),
  maskAddress: (address) => address,
  preview: (n) => ({ subject: null, text: `coo: ${n.app}` }),
  createNotifier: () => ({
    send: async () => {
      throw new DeliveryError('the pigeon flew off', false);
    },
  }),
};

// The registry's behaviour does not depend on the database: one driver is enough.
describe('GET /channels and a provider registered in one line', () => {
  let lagwatch: TestApi;
  let plain: TestApi;
  const channels = channelRegistry([...CHANNEL_PROVIDERS, pigeon]);

  beforeAll(async () => {
    [lagwatch, plain] = await Promise.all([
      testApi(sqliteDriver(), { channels, env: { TELEGRAM_BOT_TOKEN: '1:abc' } }),
      testApi(sqliteDriver()),
    ]);
  });
  afterAll(async () => {
    await Promise.all([lagwatch?.close(), plain?.close()]);
  });

  it("lists every registered channel, in the registry's order, with whether it is configured", async () => {
    const answer = await plain.app.inject({ url: '/channels' });
    expect(answer.statusCode).toBe(200);
    const listed = answer.json().data as Record<string, unknown>[];
    expect(listed.map((c) => c.type)).toEqual(CHANNELS.types);
    expect(listed.find((c) => c.type === 'email')).toEqual({
      type: 'email',
      label: 'Email',
      address_label: 'Email address',
      address_hint: 'an email address such as ops@example.com',
      configured: false,
      missing_setting: 'MAIL_HOST',
      secret_address: false,
    });
    expect(listed.find((c) => c.type === 'webhook')).toMatchObject({ configured: true, missing_setting: null });

    const withPigeon = (await lagwatch.app.inject({ url: '/channels' })).json().data as Record<string, unknown>[];
    expect(withPigeon.map((c) => c.type)).toEqual([...CHANNELS.types, 'carrier_pigeon']);
    expect(withPigeon.find((c) => c.type === 'telegram_chat')).toMatchObject({ configured: true });
    expect(withPigeon.at(-1)).toEqual({
      type: 'carrier_pigeon',
      label: 'Carrier pigeon',
      address_label: 'Loft',
      address_hint: 'a loft name such as loft-7',
      configured: false,
      missing_setting: 'PIGEON_LOFT',
      secret_address: false,
    });
  });

  it('takes targets and rules of the new type, checks its addresses with its provider, and refuses it elsewhere', async () => {
    const created = await lagwatch.app.inject({
      method: 'POST',
      url: '/targets',
      payload: validTarget({ name: 'loft', type: 'carrier_pigeon', external_id: 'loft-7' }),
    });
    expect(created.statusCode).toBe(201);
    const bad = await lagwatch.app.inject({
      method: 'POST',
      url: '/targets',
      payload: validTarget({ name: 'loft 2', type: 'carrier_pigeon', external_id: 'the roof' }),
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details).toEqual([{ field: 'external_id', message: 'must be a loft name such as loft-7' }]);
    const rule = await lagwatch.app.inject({
      method: 'POST',
      url: '/rules/app',
      payload: validAppRule({ alert_channels: ['carrier_pigeon', 'email'] }),
    });
    expect(rule.statusCode).toBe(201);
    const filtered = await lagwatch.app.inject({ url: '/targets?type=carrier_pigeon' });
    expect(filtered.json().data.items.map((t: { name: string }) => t.name)).toEqual(['loft']);

    // The same requests to a lagwatch without the provider: the type is unknown everywhere.
    const refused = await plain.app.inject({
      method: 'POST',
      url: '/targets',
      payload: validTarget({ name: 'loft', type: 'carrier_pigeon', external_id: 'loft-7' }),
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details[0]).toMatchObject({ field: 'type' });
    const refusedRule = await plain.app.inject({
      method: 'POST',
      url: '/rules/app',
      payload: validAppRule({ alert_channels: ['carrier_pigeon'] }),
    });
    expect(refusedRule.statusCode).toBe(422);
    expect(refusedRule.json().error.details[0]).toMatchObject({ field: 'alert_channels.0' });
    expect((await plain.app.inject({ url: '/alerts?channel=carrier_pigeon' })).statusCode).toBe(400);
    expect((await lagwatch.app.inject({ url: '/alerts?channel=carrier_pigeon' })).statusCode).toBe(200);
  });

  it("documents the registry's types in the OpenAPI document", async () => {
    const doc = (await lagwatch.app.inject({ url: '/docs/json' })).json();
    const body = doc.paths['/targets'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(body.properties.type)).toContain('carrier_pigeon');
    const rule = doc.paths['/rules/app'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(rule.properties.alert_channels)).toContain('carrier_pigeon');
    expect(doc.paths['/channels'].get).toBeDefined();
  });
});

describe('channelRegistry', () => {
  it('refuses a type registered twice or written in a way the database and URLs cannot carry', () => {
    expect(() => channelRegistry([...CHANNEL_PROVIDERS, { ...pigeon, type: 'email' }])).toThrow(/twice/);
    expect(() => channelRegistry([{ ...pigeon, type: 'Carrier Pigeon' }])).toThrow(/must match/);
    expect(() => channelRegistry([{ ...pigeon, type: 'p'.repeat(33) }])).toThrow(/must match/);
  });

  it('gives every provider a notifier, and previews, masks and checks through its provider', async () => {
    const notifiers = channels().createNotifiers({ publicUrl: 'http://x' } as never);
    expect([...notifiers.keys()]).toEqual([...CHANNELS.types, 'carrier_pigeon']);
    await expect(notifiers.get('carrier_pigeon')!.send({} as never, {} as never)).rejects.toThrow('flew off');
    expect(channels().preview('carrier_pigeon', { app: 'checkout' } as never)).toEqual({
      subject: null,
      text: 'coo: checkout',
    });
    expect(channels().targetAddressProblem('sms', 'x')).toEqual({
      field: 'type',
      message: `must be one of: ${[...CHANNELS.types, 'carrier_pigeon'].join(', ')}`,
    });
  });
  const channels = () => channelRegistry([...CHANNEL_PROVIDERS, pigeon]);
});
