import { describe, expect, it } from 'vitest';
import { ChatPacer, DEFAULT_PACING, type PacingLimits } from '../../../src/alerts/channels/telegram/chat-pacer.js';

/** A clock that only moves when the pacer sleeps, so pacing decisions are exact. */
function virtualPacer(limits: Partial<PacingLimits> = {}) {
  let now = 0;
  const sleeps: number[] = [];
  const pacer = new ChatPacer(
    { ...DEFAULT_PACING, ...limits },
    () => now,
    async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  );
  const turn = async (chatId: string) => {
    await pacer.awaitTurn(chatId);
    return now;
  };
  return { pacer, turn, sleeps, advance: (ms: number) => (now += ms) };
}

describe('ChatPacer', () => {
  it('keeps about a second between two messages to one chat', async () => {
    const { turn } = virtualPacer({ perChatIntervalMs: 1000 });
    expect([await turn('42'), await turn('42'), await turn('42')]).toEqual([0, 1000, 2000]);
  });

  it('does not hold one chat back for another', async () => {
    const { turn } = virtualPacer({ perChatIntervalMs: 1000 });
    expect([await turn('1'), await turn('2'), await turn('3')]).toEqual([0, 0, 0]);
  });

  it('sends at most twenty messages a minute to a group', async () => {
    const { turn } = virtualPacer({ perChatIntervalMs: 0, groupPerMinute: 20, globalPerSecond: 1000 });
    const times: number[] = [];
    for (let i = 0; i < 45; i++) times.push(await turn('-100123'));
    for (let i = 20; i < times.length; i++) expect(times[i]! - times[i - 20]!).toBeGreaterThanOrEqual(60_000);
    expect(times[19]).toBe(0);
    expect(times[20]).toBe(60_000);
    expect(times[40]).toBe(120_000);
  });

  it('does not apply the group limit to private chats', async () => {
    const { turn } = virtualPacer({ perChatIntervalMs: 0, groupPerMinute: 20, globalPerSecond: 1000 });
    for (let i = 0; i < 30; i++) expect(await turn('777')).toBe(0);
  });

  it('sends at most thirty messages a second overall', async () => {
    const { turn } = virtualPacer({ globalPerSecond: 30 });
    const times: number[] = [];
    for (let i = 0; i < 65; i++) times.push(await turn(String(i)));
    expect(times.filter((t) => t === 0)).toHaveLength(30);
    for (let i = 30; i < times.length; i++) expect(times[i]! - times[i - 30]!).toBeGreaterThanOrEqual(1000);
  });

  it('pauses a chat after a 429 for the time Telegram asked', async () => {
    const { pacer, turn } = virtualPacer({ perChatIntervalMs: 1000 });
    expect(await turn('42')).toBe(0);
    pacer.pause('42', 7000);
    expect(await turn('42')).toBe(7000);
    expect(await turn('43')).toBe(7000); // other chats are not paused (the clock just moved)
  });

  it('runs work for one chat one at a time, in call order', async () => {
    const pacer = new ChatPacer(DEFAULT_PACING, Date.now, async () => {});
    const events: string[] = [];
    const work = (name: string, ticks: number) => async () => {
      events.push(`${name} start`);
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      events.push(`${name} end`);
    };
    await Promise.all([
      pacer.exclusive('1', undefined, work('a', 5)),
      pacer.exclusive('1', undefined, work('b', 1)),
      pacer.exclusive('1', undefined, work('c', 3)),
    ]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('lets a waiter give up when its signal aborts, without blocking the chat', async () => {
    const pacer = new ChatPacer(DEFAULT_PACING, Date.now, async () => {});
    let releaseFirst!: () => void;
    const first = pacer.exclusive('1', undefined, () => new Promise<void>((r) => (releaseFirst = r)));
    const controller = new AbortController();
    const second = pacer.exclusive('1', controller.signal, async () => 'ran');
    const third = pacer.exclusive('1', undefined, async () => 'third ran');
    controller.abort(new Error('shutting down'));
    await expect(second).rejects.toThrow('shutting down');
    releaseFirst();
    await first;
    await expect(third).resolves.toBe('third ran');
  });
});
