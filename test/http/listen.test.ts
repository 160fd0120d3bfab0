import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';
import { sqliteDriver, type TestApi, testApi, validAppRule, validTarget } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function api(options: Parameters<typeof testApi>[1] = {}): Promise<TestApi> {
  const built = await testApi(sqliteDriver(), options);
  cleanups.push(() => built.close());
  return built;
}

describe('startHttpServer over real HTTP', () => {
  it('serves the API on a random port and manages rules and targets with fetch', async () => {
    const { ctx } = await api();
    const server = await startHttpServer(ctx, { port: 0, host: '127.0.0.1' });
    cleanups.push(() => server.close());
    expect(server.address).toBe(`http://127.0.0.1:${server.port}`);

    const created = await fetch(`${server.address}/rules/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validAppRule()),
    });
    expect(created.status).toBe(201);
    const rule = ((await created.json()) as { data: { id: number } }).data;
    const updated = await fetch(`${server.address}/rules/app/${rule.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cooldown_minutes: 15 }),
    });
    expect(((await updated.json()) as { data: { cooldown_minutes: number } }).data.cooldown_minutes).toBe(15);
    const target = await fetch(`${server.address}/targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validTarget()),
    });
    expect(target.status).toBe(201);
    const broken = await fetch(`${server.address}/rules/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"app_name": "x",',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ status: 'error', error: { code: 'bad_request' } });
    const deleted = await fetch(`${server.address}/rules/app/${rule.id}`, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ status: 'success', data: { deleted: rule.id } });
    const missing = await fetch(`${server.address}/no/such/route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 'error', error: { code: 'not_found' } });
  });

  it('refuses a taken port with one clear line', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const { port } = blocker.address() as { port: number };
    const { ctx } = await api();
    const attempt = startHttpServer(ctx, { port, host: '127.0.0.1' });
    await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).not.toContain('\n');
  });

  it('warns when the API is open to the network', async () => {
    const open = await api();
    const server = await startHttpServer(open.ctx, { port: 0, host: '0.0.0.0' });
    cleanups.push(() => server.close());
    expect(open.logs.join('')).toContain('the API is open to the network');

    const loopback = await api();
    const quiet = await startHttpServer(loopback.ctx, { port: 0, host: '127.0.0.1' });
    cleanups.push(() => quiet.close());
    expect(loopback.logs.join('')).not.toContain('open to the network');

    const secured = await api({ env: { API_TOKEN: 'a-long-enough-token' } });
    const guarded = await startHttpServer(secured.ctx, { port: 0, host: '0.0.0.0' });
    cleanups.push(() => guarded.close());
    expect(secured.logs.join('')).not.toContain('open to the network');
  });

  it('close() lets an in-flight request finish and stops accepting', async () => {
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const built = await api();
    const server = await startHttpServer(built.ctx, {
      port: 0,
      host: '127.0.0.1',
      extraRoutes: async (app) => {
        app.get('/slow', async () => {
          arrived();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { status: 'success', data: 'finished' };
        });
      },
    });
    const inFlight = fetch(`${server.address}/slow`);
    await requestArrived;
    const closing = server.close();
    await expect(fetch(`${server.address}/health`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'success', data: 'finished' });
    await closing;
    expect(server.app.server.listening).toBe(false);
  });

  it('answers an unexpected error with 500 internal, no stack, and logs the stack', async () => {
    const built = await api({
      extraRoutes: async (app) => {
        app.get('/explode', async () => {
          throw new Error('database exploded at /var/lib/secret-path');
        });
      },
    });
    const response = await built.app.inject({ url: '/explode' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      status: 'error',
      error: { code: 'internal', message: 'internal error', details: [] },
    });
    expect(response.body).not.toContain('secret-path');
    const logged = built.logs.join('');
    expect(logged).toContain('database exploded');
    expect(logged).toContain('"stack"');
  });
});
