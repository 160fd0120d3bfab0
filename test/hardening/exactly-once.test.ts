import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_WINDOW_MS } from '../../src/logs/embedded/ingest-ledger.js';
import { importFiles } from '../../src/logs/ndjson/import-files.js';
import { ingestBody } from '../../src/logs/ndjson/ingest-body.js';
import { openTempStore, type TempStore } from '../logs/embedded/temp-store.js';
import { logDocument as doc } from '../support/log-documents.js';

const NOW = Date.UTC(2026, 5, 1, 12);
let temp: TempStore | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

const ndjson = (from: number, count: number) =>
  `${Array.from({ length: count }, (_, i) => JSON.stringify({ ...doc({ time: NOW + from + i, app: 'api', duration: 1 }), n: from + i })).join('\n')}\n`;

/** Rows in the store, and how many distinct `n` values they hold (a duplicate lowers the second). */
function counts(path: string): { rows: number; distinct: number } {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(`SELECT count(*) AS rows, count(DISTINCT json_extract(raw, '$.n')) AS "distinct" FROM logs`)
      .get() as {
      rows: number;
      distinct: number;
    };
  } finally {
    db.close();
  }
}

describe('Idempotency-Key (the ledger in the store, same transaction as the logs)', () => {
  it('a retried body stores nothing and answers the first result; another body under the key is refused', async () => {
    temp = openTempStore();
    const body = Buffer.from(`${ndjson(0, 5)}{broken\n`);
    const key = { key: 'retry-1', bodySha256: 'a'.repeat(64) };
    const first = await ingestBody(temp.store, body, { idempotency: key });
    const again = await ingestBody(temp.store, body, { idempotency: key });
    expect(first).toMatchObject({ accepted: 5, rejected: 1 });
    expect(again).toEqual({ ...first, replayed: true });
    expect(counts(temp.store.path).rows).toBe(5);
    await expect(ingestBody(temp.store, body, { idempotency: { ...key, bodySha256: 'b'.repeat(64) } })).rejects.toThrow(
      /different body/,
    );
    expect(counts(temp.store.path).rows).toBe(5);
  });

  it('forgets a key after 24 hours and prunes it', async () => {
    temp = openTempStore();
    const key = { key: 'old', bodySha256: 'c'.repeat(64) };
    temp.store.ingestLines([{ lineNumber: 1, text: ndjson(0, 1) }], { idempotency: key, now: NOW });
    const later = NOW + IDEMPOTENCY_WINDOW_MS + 1;
    const result = temp.store.ingestLines([{ lineNumber: 1, text: ndjson(1, 1) }], { idempotency: key, now: later });
    expect(result.replayed).toBeUndefined();
    temp.store.ingestLines([], { idempotency: { key: 'new', bodySha256: 'd'.repeat(64) }, now: later + 1 });
    const db = new Database(temp.store.path, { readonly: true });
    const keys = db.prepare('SELECT key, created_at FROM ingest_keys ORDER BY key').all();
    db.close();
    expect(keys).toEqual([
      { key: 'new', created_at: later + 1 },
      { key: 'old', created_at: later },
    ]);
  });
});

describe('logs:import run again', () => {
  it('skips the lines an earlier run committed, per file; a replaced file starts afresh', async () => {
    temp = openTempStore();
    const file = join(temp.dir, 'a.ndjson.gz');
    writeFileSync(file, gzipSync(ndjson(0, 2_500)));
    const first = await importFiles(temp.store, [file], { chunkLines: 1000 });
    expect(first).toMatchObject({ accepted: 2_500, skipped: 0 });
    const second = await importFiles(temp.store, [file], { chunkLines: 1000 });
    expect(second).toMatchObject({ linesRead: 2_500, accepted: 0, skipped: 2_500 });
    expect(counts(temp.store.path)).toEqual({ rows: 2_500, distinct: 2_500 });

    writeFileSync(file, gzipSync(ndjson(10_000, 10)));
    expect(await importFiles(temp.store, [file])).toMatchObject({ accepted: 10, skipped: 0 });
    expect(counts(temp.store.path)).toEqual({ rows: 2_510, distinct: 2_510 });
  });

  it('a plain file that grew since is continued where the last run stopped', async () => {
    temp = openTempStore();
    const file = join(temp.dir, 'grow.ndjson');
    writeFileSync(file, ndjson(0, 100));
    await importFiles(temp.store, [file]);
    writeFileSync(file, ndjson(0, 150));
    expect(await importFiles(temp.store, [file])).toMatchObject({ accepted: 50, skipped: 100 });
    expect(counts(temp.store.path)).toEqual({ rows: 150, distinct: 150 });
  });

  it('a real logs:import killed with SIGKILL half-way, run again, stores every line once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagwatch-import-kill-'));
    try {
      const store = join(dir, 'logs.db');
      const file = join(dir, 'big.ndjson');
      const LINES = 300_000;
      writeFileSync(file, ndjson(0, LINES));
      const env = { EMBEDDED_LOG_DB: store, DB_DATABASE: join(dir, 'state.db'), LOG_LEVEL: 'silent' };

      const killed = await runImport(env, file, () => {
        try {
          const { rows } = counts(store);
          return rows > 0 && rows < LINES;
        } catch {
          return false; // not created yet
        }
      });
      expect(killed.signal).toBe('SIGKILL');
      const partial = counts(store);
      expect(partial.rows).toBeGreaterThan(0);
      expect(partial.rows).toBeLessThan(LINES);

      const rerun = await runImport(env, file, () => false);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toMatch(/lines skipped/);
      expect(counts(store)).toEqual({ rows: LINES, distinct: LINES });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const ROOT = join(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Runs `lagwatch logs:import <file>` in a child process; SIGKILLs it as soon as `killWhen` holds. */
function runImport(
  env: Record<string, string>,
  file: string,
  killWhen: () => boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), 'logs:import', file], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const poll = setInterval(() => {
      if (child.exitCode === null && killWhen()) child.kill('SIGKILL');
    }, 5);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
