import { StorageUnavailableError, storageFailureCode } from '../db/storage-failure.js';
import type { StoredToken, TokenRepository } from './token-repository.js';

/** What a presented secret's hash stands for. */
export type TokenLookup =
  | { status: 'valid'; token: StoredToken }
  | { status: 'revoked' | 'expired'; token: StoredToken }
  | { status: 'unknown' };

/** The token table as one process holds it, at one revision. */
export class TokenSnapshot {
  private readonly byHash: ReadonlyMap<string, StoredToken>;
  /** The latest moment any unrevoked token is valid until (Infinity: one never expires). */
  private readonly liveUntil: number;

  constructor(
    readonly revision: string,
    readonly tokens: readonly StoredToken[],
  ) {
    this.byHash = new Map(tokens.map((token) => [token.token_hash, token]));
    let until = Number.NEGATIVE_INFINITY;
    for (const token of tokens) {
      if (token.revoked_at === null) until = Math.max(until, token.expires_at ?? Number.POSITIVE_INFINITY);
    }
    this.liveUntil = until;
  }

  /** True while at least one token is neither revoked nor expired: authentication is then on. */
  anyLive(now: number): boolean {
    return this.liveUntil > now;
  }

  lookup(hash: string, now: number): TokenLookup {
    const token = this.byHash.get(hash);
    if (!token) return { status: 'unknown' };
    if (token.revoked_at !== null) return { status: 'revoked', token };
    if (token.expires_at !== null && token.expires_at <= now) return { status: 'expired', token };
    return { status: 'valid', token };
  }
}

export interface TokenDirectoryOptions {
  /** The shortest time between two `last_used_at` writes of one token (default one minute). */
  lastUsedEveryMs?: number;
  /** Told when recording `last_used_at` fails (it never fails a request). */
  onLastUsedError?: (error: unknown) => void;
  /** Told when the token table cannot be read and the last copy is used instead. */
  onReadError?: (error: unknown) => void;
}

/**
 * The access check's copy of the token table. `current()` reads the table's revision (one
 * primary-key read, bumped in the same transaction as every create and revoke by any process
 * sharing the database) and re-reads the rows only when it changed. The read starts after the
 * request arrived, so a request that arrives after a revoke has committed anywhere is judged by a
 * copy that includes it: revocation takes effect at every process's next request. Expiry needs
 * no read: it is compared with the clock.
 */
export class TokenDirectory {
  private snapshot: TokenSnapshot | undefined;
  /** A read not yet started, which callers join. */
  private scheduled: Promise<TokenSnapshot> | undefined;
  private readonly lastWritten = new Map<number, number>();
  private readonly lastUsedEveryMs: number;

  constructor(
    private readonly repository: TokenRepository,
    private readonly options: TokenDirectoryOptions = {},
  ) {
    this.lastUsedEveryMs = options.lastUsedEveryMs ?? 60_000;
  }

  /**
   * The copy as of a revision read that starts after this call: requests arriving together (in
   * one turn of the event loop) share one read, so its cost does not grow with the request rate.
   */
  current(): Promise<TokenSnapshot> {
    if (this.scheduled) return this.scheduled;
    const read = new Promise<TokenSnapshot>((resolve, reject) => {
      setImmediate(() => {
        // From here on, a new caller waits for the next read: this one may have started before it arrived.
        this.scheduled = undefined;
        this.refresh().then(resolve, reject);
      });
    });
    this.scheduled = read;
    return read;
  }

  private async refresh(): Promise<TokenSnapshot> {
    const held = this.snapshot;
    try {
      // The revision is read before the rows: a write landing in between leaves rows newer than
      // the revision they are kept under, which the next call re-reads, never older ones.
      const revision = await this.repository.revision();
      if (held && held.revision === revision) return held;
      const fresh = new TokenSnapshot(revision, await this.repository.readAll());
      this.snapshot = fresh;
      return fresh;
    } catch (error) {
      // The database does not answer: nobody can revoke through it either, so the last copy
      // read stands (expiry still applies) until it answers again; without one, refuse.
      if (held) {
        this.options.onReadError?.(error);
        return held;
      }
      throw new StorageUnavailableError('database', storageFailureCode(error) ?? 'unreadable', error);
    }
  }

  /**
   * Records a use: written at most once per `lastUsedEveryMs` per token. The request does not
   * wait for it; the answer (undefined when nothing is written) is the write, for tests.
   */
  noteUse(tokenId: number, now: number): Promise<void> | undefined {
    const last = this.lastWritten.get(tokenId);
    if (last !== undefined && now - last < this.lastUsedEveryMs) return undefined;
    this.lastWritten.set(tokenId, now);
    return this.repository.markUsed([tokenId], now).catch((error: unknown) => this.options.onLastUsedError?.(error));
  }
}
