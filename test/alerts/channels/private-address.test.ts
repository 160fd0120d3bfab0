import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/alerts/channels/notifier.js';
import {
  checkedLookup,
  isPrivateAddress,
  PrivateDestinationError,
  privateDestinationReason,
  type Resolve,
} from '../../../src/alerts/channels/private-address.js';
import { WebhookNotifier } from '../../../src/alerts/channels/webhook/notifier.js';
import { notification } from '../render/sample-notification.js';

/** A resolver answering each call with the next of `answers` (the last one again after that), counting calls. */
function scriptedResolver(...answers: (string[] | 'hang')[]): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (async (name: string) => {
    const answer = answers[Math.min(calls.length, answers.length - 1)]!;
    calls.push(name);
    if (answer === 'hang') return new Promise<string[]>(() => {});
    return answer;
  }) as Resolve & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

/** The documentation prefix of RFC 9637: public by the rules, routed nowhere. */
const PUBLIC_UNROUTED = '3fff::1';

describe('isPrivateAddress', () => {
  it('refuses private IPv4, including benchmarking (198.18.0.0/15) and documentation ranges', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '198.18.0.1',
      '198.19.255.254',
      '192.0.0.8',
      '192.0.2.1',
      '203.0.113.9',
      '255.255.255.255',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '198.17.255.255', '198.20.0.1', '100.128.0.1']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('refuses every IPv6 form that carries a private IPv4 address', () => {
    const forms = (v4: string, hex: string) => [
      `::ffff:${v4}`, // IPv4-mapped
      `::ffff:${hex}`,
      `[::ffff:${hex}]`,
      `::ffff:0:${v4}`, // SIIT
      `::${v4}`, // IPv4-compatible
      `::${hex}`,
      `64:ff9b::${v4}`, // NAT64
      `64:ff9b::${hex}`,
      `2002:${hex}::1`, // 6to4
      `2002:${hex}:1234:5678::9`,
    ];
    for (const [v4, hex] of [
      ['127.0.0.1', '7f00:1'],
      ['10.0.0.1', 'a00:1'],
      ['169.254.169.254', 'a9fe:a9fe'],
      ['192.168.1.1', 'c0a8:101'],
      ['198.18.0.1', 'c612:1'],
    ] as const) {
      for (const address of forms(v4, hex)) expect(isPrivateAddress(address), address).toBe(true);
    }
    // Teredo: the client's address inverted in the last 32 bits (127.0.0.1 → 80ff:fffe).
    expect(isPrivateAddress('2001:0:4136:e378:8000:63bf:80ff:fffe')).toBe(true);
    // The same forms carrying a public address (8.8.8.8) are public.
    for (const address of forms('8.8.8.8', '808:808')) expect(isPrivateAddress(address), address).toBe(false);
  });

  it('refuses private IPv6 ranges and accepts public ones', () => {
    for (const address of [
      '::',
      '::1',
      'fe80::1',
      'fd00::1',
      'fc12::3',
      'ff02::1',
      'fec0::1',
      '2001:db8::1',
      '64:ff9b:1::1',
      '100::1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['2001:4860:4860::8888', '2606:4700:4700::1111', PUBLIC_UNROUTED]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('judges what the URL parser makes of numeric and bracketed hosts', async () => {
    for (const url of [
      'http://2130706433/x',
      'http://0x7f.1/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[::127.0.0.1]/x',
      'http://[64:ff9b::127.0.0.1]/x',
      'http://[2002:7f00:1::]/x',
      'http://198.18.0.1/x',
      'http://LOCALHOST./x',
    ]) {
      const never = scriptedResolver('hang');
      expect(await privateDestinationReason(new URL(url), never, 50), url).toMatch(/WEBHOOK_DENY_PRIVATE=true/);
      expect(never.calls, url).toEqual([]);
    }
  });
});

describe('privateDestinationReason (when a target is saved)', () => {
  it('refuses a name when any of its addresses is private, or when it is not resolved in time', async () => {
    expect(
      await privateDestinationReason(new URL('https://hooks.example.com/x'), scriptedResolver(['8.8.8.8'])),
    ).toBeUndefined();
    expect(
      await privateDestinationReason(
        new URL('https://hooks.example.com/x'),
        scriptedResolver(['8.8.8.8', '::ffff:a00:1']),
      ),
    ).toMatch(/resolves to the private address ::ffff:a00:1/);
    expect(
      await privateDestinationReason(new URL('https://hooks.example.com/x'), scriptedResolver('hang'), 50),
    ).toMatch(/hooks\.example\.com was not resolved within 50 ms/);
  });

  it('lets a name that does not resolve at all pass (the send fails until it does)', async () => {
    const missing: Resolve = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await privateDestinationReason(new URL('https://nowhere.invalid/x'), missing)).toBeUndefined();
  });
});

type Looked = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };
const lookUp = (lookup: ReturnType<typeof checkedLookup>, name: string, options: { all?: boolean; family?: number }) =>
  new Promise<Looked>((resolve) =>
    lookup(name, options, (error, address, family) => resolve({ error, address, family })),
  );

describe('checkedLookup (the socket connects to what was checked)', () => {
  it('resolves once per connection and hands the socket exactly the checked addresses', async () => {
    const resolve = scriptedResolver(['8.8.8.8', '2001:4860:4860::8888']);
    const lookup = checkedLookup(resolve, 1000);
    expect(await lookUp(lookup, 'hooks.example.com', {})).toEqual({ error: null, address: '8.8.8.8', family: 4 });
    expect(await lookUp(lookup, 'hooks.example.com', { all: true })).toEqual({
      error: null,
      address: [
        { address: '8.8.8.8', family: 4 },
        { address: '2001:4860:4860::8888', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookUp(lookup, 'hooks.example.com', { family: 6 })).toMatchObject({
      address: '2001:4860:4860::8888',
      family: 6,
    });
    expect(resolve.calls).toEqual(['hooks.example.com', 'hooks.example.com', 'hooks.example.com']);
  });

  it('a name rebinding from public to private is refused at the connection that would reach it', async () => {
    const resolve = scriptedResolver(['8.8.8.8'], ['127.0.0.1']);
    const lookup = checkedLookup(resolve, 1000);
    expect((await lookUp(lookup, 'rebind.example.com', {})).address).toBe('8.8.8.8');
    const second = await lookUp(lookup, 'rebind.example.com', { all: true });
    expect(second.error).toBeInstanceOf(PrivateDestinationError);
    expect(second.error?.message).toMatch(/resolves to the private address 127\.0\.0\.1/);
  });

  it('refuses on a lookup that does not answer in time (retryable)', async () => {
    const looked = await lookUp(checkedLookup(scriptedResolver('hang'), 30), 'slow.example.com', {});
    expect(looked.error).toBeInstanceOf(PrivateDestinationError);
    expect((looked.error as PrivateDestinationError).retryable).toBe(true);
  });
});

describe('WebhookNotifier with WEBHOOK_DENY_PRIVATE, against a real receiver on 127.0.0.1', () => {
  let receiver: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const send = (address: string, options: ConstructorParameters<typeof WebhookNotifier>[1]) =>
    new WebhookNotifier(undefined, { denyPrivate: true, timeoutMs: 1000, ...options })
      .send(notification(), { channel: 'webhook', address, targetId: 1 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );

  it('a name the resolver answers with a loopback address is refused without connecting, permanently', async () => {
    const resolve = scriptedResolver(['127.0.0.1']);
    const before = hits;
    const error = await send(`http://hooks.example.test:${port}/hook`, { resolve });
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(
      /refused, hooks\.example\.test resolves to the private address 127\.0\.0\.1/,
    );
    expect(resolve.calls).toEqual(['hooks.example.test']);
    expect(hits).toBe(before);
  });

  it('connects to the address it checked: a second, private answer for the name is never used', async () => {
    // The machine's own name resolves to a loopback address (/etc/hosts), where the receiver
    // listens; the check's resolver answers a public address first, then a private one.
    const name = hostname();
    const resolve = scriptedResolver([PUBLIC_UNROUTED], ['127.0.0.1']);
    const before = hits;
    const error = await send(`http://${name}:${port}/hook`, { resolve, timeoutMs: 300 });
    expect(error).toBeInstanceOf(DeliveryError);
    // It went for the checked public address (routed nowhere), not for the loopback receiver.
    expect(hits).toBe(before);
    expect(resolve.calls).toEqual([name]);
  });

  it('a resolver slower than the lookup timeout refuses the send (retryable) instead of allowing it', async () => {
    const before = hits;
    const error = await send(`http://${hostname()}:${port}/hook`, {
      resolve: scriptedResolver('hang'),
      lookupTimeoutMs: 50,
    });
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/refused, .* was not resolved within 50 ms/);
    expect(hits).toBe(before);
  });

  it('refuses private IP literals in every form without resolving or connecting', async () => {
    const before = hits;
    for (const host of [
      '127.0.0.1',
      '[::ffff:127.0.0.1]',
      '[::127.0.0.1]',
      '[64:ff9b::127.0.0.1]',
      '[2002:7f00:1::]',
      '2130706433',
    ]) {
      const resolve = scriptedResolver(['8.8.8.8']);
      const error = await send(`http://${host}:${port}/hook`, { resolve });
      expect(error, host).toBeInstanceOf(DeliveryError);
      expect(error, host).toMatchObject({ retryable: false });
      expect(resolve.calls, host).toEqual([]);
    }
    expect(hits).toBe(before);
  });

  it('without the option, the same name reaches the receiver', async () => {
    const before = hits;
    const error = await new WebhookNotifier(undefined)
      .send(notification(), { channel: 'webhook', address: `http://${hostname()}:${port}/hook`, targetId: 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeUndefined();
    expect(hits).toBe(before + 1);
  });
});
