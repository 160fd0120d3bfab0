import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTimeoutError, timedBody } from '../../src/http/timed-body.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readAll(stream: PassThrough, idleMs: number, totalMs: number): Promise<string> {
  let text = '';
  for await (const chunk of timedBody(stream, { idleMs, totalMs })) text += String(chunk);
  return text;
}

describe('timedBody', () => {
  it('gives every chunk of a body that keeps coming, then ends', async () => {
    const stream = new PassThrough();
    const reading = readAll(stream, 200, 5_000);
    for (const piece of ['a', 'b', 'c']) {
      stream.write(piece);
      await sleep(50);
    }
    stream.end('d');
    expect(await reading).toBe('abcd');
  });

  it('fails with the idle limit when no bytes come for idleMs, leaving the stream open for the answer', async () => {
    const stream = new PassThrough();
    stream.write('partial');
    const error = await readAll(stream, 100, 5_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTimeoutError);
    expect(error).toMatchObject({ limit: 'idle' });
    expect(stream.destroyed).toBe(false);
  });

  it('fails with the total limit when bytes trickle in under the idle limit', async () => {
    const stream = new PassThrough();
    const trickle = setInterval(() => stream.write('x'), 30);
    try {
      const error = await readAll(stream, 200, 300).catch((e: unknown) => e);
      expect(error).toMatchObject({ limit: 'total' });
    } finally {
      clearInterval(trickle);
    }
  });

  it('fails when the stream is destroyed before its end (the client went away)', async () => {
    const stream = new PassThrough();
    const reading = readAll(stream, 5_000, 5_000);
    stream.write('half');
    await sleep(20);
    stream.destroy();
    await expect(reading).rejects.toThrow(/cut off/);
    const failing = new PassThrough();
    const failed = readAll(failing, 5_000, 5_000);
    failing.destroy(new Error('socket reset'));
    await expect(failed).rejects.toMatchObject({
      message: 'the request body was cut off',
      cause: { message: 'socket reset' },
    });
  });
});
