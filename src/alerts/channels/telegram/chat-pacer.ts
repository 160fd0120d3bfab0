/**
 * Telegram's flood limits, kept on our side so we rarely meet a 429: at least
 * `perChatIntervalMs` between two messages to one chat, at most `groupPerMinute` messages a
 * minute to one group (negative chat id), at most `globalPerSecond` a second overall, and a
 * chat's pause after a 429 (`retry_after`). Not published exactly by Telegram; defaults follow
 * the Bot FAQ.
 */
export interface PacingLimits {
  perChatIntervalMs: number;
  groupPerMinute: number;
  globalPerSecond: number;
}

export const DEFAULT_PACING: PacingLimits = { perChatIntervalMs: 1050, groupPerMinute: 20, globalPerSecond: 30 };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export class ChatPacer {
  private readonly lastSent = new Map<string, number>();
  private readonly groupSends = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();
  private globalSends: number[] = [];
  private readonly chatLocks = new Map<string, Promise<void>>();

  constructor(
    private readonly limits: PacingLimits,
    private readonly now: () => number,
    private readonly sleep: Sleep,
  ) {}

  /**
   * Runs `work` holding the chat's lock, so that everything sent to one chat (all parts of a
   * notification) goes in call order and is never interleaved with another notification.
   */
  async exclusive<T>(chatId: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const previous = this.chatLocks.get(chatId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.chatLocks.set(chatId, tail);
    try {
      await abortable(previous, signal);
      return await work();
    } finally {
      release();
      if (this.chatLocks.get(chatId) === tail) this.chatLocks.delete(chatId);
    }
  }

  /** How long from now until a message to `chatId` may go (0 when it may go now). */
  delayFor(chatId: string): number {
    return Math.max(0, this.earliest(chatId) - this.now());
  }

  /** Waits until a message to `chatId` may go, then counts it as sent. */
  async awaitTurn(chatId: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.earliest(chatId) - this.now();
      if (wait <= 0) break;
      await this.sleep(wait, signal);
    }
    const at = this.now();
    this.lastSent.set(chatId, at);
    this.globalSends.push(at);
    if (isGroup(chatId)) {
      const sends = this.groupSends.get(chatId) ?? [];
      sends.push(at);
      this.groupSends.set(chatId, sends);
    }
  }

  /** Telegram answered 429: nothing goes to this chat for `ms`. */
  pause(chatId: string, ms: number): void {
    const until = this.now() + ms;
    if (until > (this.pausedUntil.get(chatId) ?? 0)) this.pausedUntil.set(chatId, until);
  }

  private earliest(chatId: string): number {
    const now = this.now();
    let at = now;
    const last = this.lastSent.get(chatId);
    if (last !== undefined) at = Math.max(at, last + this.limits.perChatIntervalMs);
    const paused = this.pausedUntil.get(chatId);
    if (paused !== undefined) {
      if (paused <= now) this.pausedUntil.delete(chatId);
      else at = Math.max(at, paused);
    }
    this.globalSends = this.globalSends.filter((t) => t > now - 1000);
    if (this.globalSends.length >= this.limits.globalPerSecond) {
      at = Math.max(at, this.globalSends[this.globalSends.length - this.limits.globalPerSecond]! + 1000);
    }
    if (isGroup(chatId)) {
      const sends = (this.groupSends.get(chatId) ?? []).filter((t) => t > now - 60_000);
      this.groupSends.set(chatId, sends);
      if (sends.length >= this.limits.groupPerMinute) {
        at = Math.max(at, sends[sends.length - this.limits.groupPerMinute]! + 60_000);
      }
    }
    return at;
  }
}

function isGroup(chatId: string): boolean {
  return chatId.startsWith('-');
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
