import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenDirectory } from '../../src/access/token-directory.js';
import { TokenRepository } from '../../src/access/token-repository.js';
import { hashTokenSecret, TOKEN_PREFIX } from '../../src/access/token-secret.js';
import { listChanges } from '../../src/audit/audit-log.js';
import { openStateDb, type StateDb } from '../../src/db/connection.js';
import { ConflictError, NotFoundError } from '../../src/validation/problems.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'token repository');

describe.each(drivers)('api tokens over $driver', (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }
  let database: Awaited<ReturnType<typeof migratedStateDb>>;
  let tokens: TokenRepository;
  /** A second connection to the same database: another lagwatch process. */
  let other: StateDb;
  let otherTokens: TokenRepository;
  beforeAll(async () => {
    database = await migratedStateDb(driver);
    tokens = new TokenRepository(database.state.db, driver.driver);
    other = openStateDb(database.config);
    otherTokens = new TokenRepository(other.db, driver.driver);
  });
  afterAll(async () => {
    await other.close();
    await database.close();
  });

  it('creates a token whose secret is shown once and stored only as its hash', async () => {
    const { token, secret } = await tokens.create({ name: 'shipper', scope: 'ingest', expires_at: null }, 'cli');
    expect(secret.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(secret.length).toBeGreaterThanOrEqual(TOKEN_PREFIX.length + 43);
    expect(token).toMatchObject({
      name: 'shipper',
      scope: 'ingest',
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    });
    const rows = await database.state.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows.find((r) => r.name === 'shipper')?.token_hash).toBe(hashTokenSecret(secret));
    expect(JSON.stringify(await tokens.list())).not.toContain(hashTokenSecret(secret));
  });

  it('refuses a second token of one name (409)', async () => {
    await expect(tokens.create({ name: 'shipper', scope: 'read', expires_at: null }, 'cli')).rejects.toThrow(
      ConflictError,
    );
  });

  it('revokes by keeping the row, once; finds by id or name; audits create and revoke in their transaction', async () => {
    const { token } = await tokens.create(
      { name: 'viewer', scope: 'read', expires_at: Date.now() + 60_000 },
      'token:admin-1',
    );
    expect((await tokens.find('viewer')).id).toBe(token.id);
    expect((await tokens.find(String(token.id))).name).toBe('viewer');
    await expect(tokens.find('nobody')).rejects.toThrow(NotFoundError);
    const revoked = await tokens.revoke(token.id, 'cli');
    expect(revoked.revoked_at).toEqual(expect.any(Number));
    expect((await tokens.revoke(token.id, 'cli')).revoked_at).toBe(revoked.revoked_at);
    await expect(tokens.revoke(999_999, 'cli')).rejects.toThrow(NotFoundError);

    const audit = await listChanges(
      database.state.db,
      { entity: 'token', entity_id: String(token.id) },
      { page: 1, per_page: 10 },
    );
    expect(audit.items.map((e) => [e.action, e.actor])).toEqual([
      ['delete', 'cli'],
      ['create', 'token:admin-1'],
    ]);
    expect(audit.items[0].after).toMatchObject({ name: 'viewer', status: 'revoked' });
    expect(JSON.stringify(audit.items)).not.toMatch(/token_hash|lw_/);
  });

  it("another process's directory sees a create and a revoke at its next lookup", async () => {
    const directory = new TokenDirectory(otherTokens);
    const { token, secret } = await tokens.create({ name: 'oncall', scope: 'write', expires_at: null }, 'cli');
    const before = await directory.current();
    expect(before.lookup(hashTokenSecret(secret), Date.now())).toMatchObject({ status: 'valid' });
    await tokens.revoke(token.id, 'cli');
    const after = await directory.current();
    expect(after.lookup(hashTokenSecret(secret), Date.now())).toMatchObject({ status: 'revoked' });
    expect(after.lookup(hashTokenSecret('lw_unknown'), Date.now())).toEqual({ status: 'unknown' });
  });

  it('expiry needs no read: an expired token is refused, and with none live authentication is off', async () => {
    const directory = new TokenDirectory(otherTokens);
    const at = Date.now();
    const snapshot = await directory.current();
    const live = snapshot.tokens.filter((t) => t.revoked_at === null);
    const latest = Math.max(...live.map((t) => t.expires_at ?? Number.POSITIVE_INFINITY));
    expect(snapshot.anyLive(at)).toBe(latest > at);
    const shipper = live.find((t) => t.name === 'shipper')!;
    expect(snapshot.lookup(shipper.token_hash, at)).toMatchObject({ status: 'valid' });
  });

  it('records last use at most once per interval and token, without bumping the revision', async () => {
    const { token, secret } = await tokens.create({ name: 'busy', scope: 'read', expires_at: null }, 'cli');
    const directory = new TokenDirectory(tokens, { lastUsedEveryMs: 60_000 });
    const revision = await tokens.revision();
    await directory.noteUse(token.id, 1_000_000);
    expect(directory.noteUse(token.id, 1_030_000)).toBeUndefined();
    expect((await tokens.get(token.id)).last_used_at).toBe(1_000_000);
    await directory.noteUse(token.id, 1_060_000);
    expect((await tokens.get(token.id)).last_used_at).toBe(1_060_000);
    expect(await tokens.revision()).toBe(revision);
    // In use through the access check too.
    const snapshot = await directory.current();
    expect(snapshot.lookup(hashTokenSecret(secret), Date.now())).toMatchObject({ status: 'valid' });
  });
});
