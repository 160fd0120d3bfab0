import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/alerts/channels/notifier.js';
import { WebhookNotifier } from '../../../src/alerts/channels/webhook/notifier.js';
import type { Destination } from '../../../src/alerts/notification.js';
import type { WebhookPayload } from '../../../src/alerts/render/webhook.js';
import { notification } from '../render/sample-notification.js';

const SECRET = 'whsec-test-0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
}

/** A local webhook receiver answering with whatever the test scripted. */
let server: Server;
let url: string;
let received: Received[];
let answer: (res: import('node:http').ServerResponse) => void;

beforeEach(async () => {
  received = [];
  answer = (res) => res.writeHead(204).end();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/lagwatch-token-in-path`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const destination = (): Destination => ({ channel: 'webhook', address: url, targetId: 5 });

async function failure(send: Promise<unknown>): Promise<DeliveryError> {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  const deliveryError = error as DeliveryError;
  expect(deliveryError.message).not.toContain('lagwatch-token-in-path');
  return deliveryError;
}

describe('WebhookNotifier', () => {
  it('POSTs the JSON body with a signature a receiver can verify', async () => {
    const now = Date.parse('2026-11-27T10:05:00Z');
    const n = notification();
    await expect(
      new WebhookNotifier(SECRET, { now: () => now }).send(n, destination(), undefined, { deliveryKey: 'outbox-9' }),
    ).resolves.toEqual({ reply: expect.stringMatching(/^20\d/) });

    expect(received).toHaveLength(1);
    const { headers, body, path } = received[0]!;
    expect(path).toBe('/hooks/lagwatch-token-in-path');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toMatch(/^lagwatch\/\d+\.\d+\.\d+/);
    expect(headers['x-lagwatch-delivery']).toBe('outbox-9');
    expect(headers['x-lagwatch-timestamp']).toBe(String(now / 1000));

    // What a receiver does: HMAC over "<timestamp>.<raw body>", constant-time compare.
    const expected = createHmac('sha256', SECRET).update(`${headers['x-lagwatch-timestamp']}.${body}`).digest('hex');
    const signature = String(headers['x-lagwatch-signature']);
    expect(signature.startsWith('sha256=')).toBe(true);
    expect(timingSafeEqual(Buffer.from(signature.slice(7), 'hex'), Buffer.from(expected, 'hex'))).toBe(true);

    const payload = JSON.parse(body) as WebhookPayload;
    expect(payload.version).toBe(1);
    expect(payload.rule).toEqual({ type: 'message', id: 7 });
    expect(payload.app).toBe('checkout');
    expect(payload.samples).toHaveLength(2);
  });

  it('sends no signature when no secret is set', async () => {
    await new WebhookNotifier(undefined).send(notification(), destination());
    expect(received[0]!.headers['x-lagwatch-signature']).toBeUndefined();
  });

  it('treats 5xx as retryable and honours Retry-After', async () => {
    answer = (res) => res.writeHead(503, { 'retry-after': '30' }).end('busy');
    const error = await failure(new WebhookNotifier(SECRET).send(notification(), destination()));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.message).toContain('503');
  });

  it('treats 429 and 408 as retryable', async () => {
    for (const status of [429, 408]) {
      answer = (res) => res.writeHead(status).end();
      const error = await failure(new WebhookNotifier(SECRET).send(notification(), destination()));
      expect(error.retryable).toBe(true);
    }
  });

  it('treats other 4xx as permanent', async () => {
    for (const status of [400, 401, 404, 410]) {
      answer = (res) => res.writeHead(status).end();
      const error = await failure(new WebhookNotifier(SECRET).send(notification(), destination()));
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(String(status));
    }
  });

  it('does not follow redirects', async () => {
    answer = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    const error = await failure(new WebhookNotifier(SECRET).send(notification(), destination()));
    expect(error.retryable).toBe(false);
    expect(received).toHaveLength(1);
  });

  it('treats a receiver that does not answer in time as retryable', async () => {
    answer = () => {}; // never answers
    const error = await failure(new WebhookNotifier(SECRET, { timeoutMs: 200 }).send(notification(), destination()));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('treats a refused connection as retryable, naming only the origin', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const address = `http://127.0.0.1:${port}/hooks/lagwatch-token-in-path`;
    const error = await failure(
      new WebhookNotifier(SECRET).send(notification(), { channel: 'webhook', address, targetId: 5 }),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`webhook http://127.0.0.1:${port}`);
  });

  it('refuses a non-http address permanently', async () => {
    const error = await failure(
      new WebhookNotifier(SECRET).send(notification(), {
        channel: 'webhook',
        address: 'file:///etc/passwd',
        targetId: 5,
      }),
    );
    expect(error.retryable).toBe(false);
  });
});
