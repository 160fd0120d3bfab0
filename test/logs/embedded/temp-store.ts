import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { EmbeddedLogStore } from '../../../src/logs/embedded/embedded-log-store.js';

export interface TempStore {
  store: EmbeddedLogStore;
  dir: string;
  path: string;
  env: Record<string, string>;
  reopen(): Promise<EmbeddedLogStore>;
  cleanup(): Promise<void>;
}

/** A fresh store in its own temp folder (the folder of the file does not exist beforehand). */
export function openTempStore(env: Record<string, string> = {}): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-embedded-'));
  const path = join(dir, 'nested', 'logs.db');
  const fullEnv = { EMBEDDED_LOG_DB: path, ...env };
  const temp: TempStore = {
    store: EmbeddedLogStore.open(loadConfig(fullEnv, undefined)),
    dir,
    path,
    env: fullEnv,
    async reopen() {
      await temp.store.close();
      temp.store = EmbeddedLogStore.open(loadConfig(fullEnv, undefined));
      return temp.store;
    },
    async cleanup() {
      await temp.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return temp;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
