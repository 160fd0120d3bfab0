import { Writable } from 'node:stream';
import type { Config } from '../../../src/config/config.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger, type Logger } from '../../../src/logging/logger.js';
import type { ScanBatch, ScanRequest } from '../../../src/logs/source.js';
import type { Mapping } from '../../support/es-server/index.js';

export const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
export const iso = (ms: number) => new Date(ms).toISOString();

/** The mapping of the default preset as an index template would declare it. */
export const DEFAULT_MAPPING: Mapping = {
  '@timestamp': 'date',
  app_name: 'keyword',
  message_key: 'keyword',
  duration: 'long',
  correlation_id: 'keyword',
  level: 'keyword',
  message: 'text',
};

export function esConfig(url: string | string[], env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      LOG_SOURCE: 'elasticsearch',
      ELASTICSEARCH_HOST: Array.isArray(url) ? url.join(',') : url,
      ELASTICSEARCH_INDEX_PREFIX: 'logs-',
      ELASTICSEARCH_TIMEOUT_MS: '5000',
      SCAN_LAG_SECONDS: '15',
      SCAN_OVERLAP_SECONDS: '300',
      SCAN_INITIAL_LOOKBACK_MINUTES: '60',
      ...env,
    },
    undefined,
  );
}

/** A logger whose lines tests can read (to prove no secret reaches them). */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ logLevel: 'debug' }, stream), lines };
}

export const FAST_RETRIES = { maxRetries: 3, backoffBaseMs: 5, backoffMaxMs: 20 };

export async function collect(batches: AsyncIterable<ScanBatch>): Promise<ScanBatch[]> {
  const out: ScanBatch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

export function rangeScan(from: number, to: number, thresholds: Record<string, number>, batchSize = 1000): ScanRequest {
  return { mode: 'range', range: { from, to }, batchSize, thresholds: new Map(Object.entries(thresholds)) };
}

/** A small seeded generator, so that failures can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Matches a reported percentile: within 1 % of the exact value (the shared definition reports
 * the middle of a 2 % log-spaced bucket), null for null.
 */
export function within1Percent(exact: number | null) {
  return {
    asymmetricMatch: (actual: unknown) =>
      exact === null ? actual === null : typeof actual === 'number' && Math.abs(actual - exact) <= exact * 0.01 + 1e-9,
    toString: () => `within 1% of ${exact}`,
    toAsymmetricMatcher: () => `within 1% of ${exact}`,
  };
}

/** The 2 % log-spaced bucket an exact percentile is reported in (for orders by p95). */
export function reportedBucket(exact: number | null): number {
  return exact === null ? -Infinity : exact <= 0 ? -1e6 : Math.floor(Math.log(exact) / Math.log(1.02));
}

/** Nearest-rank percentile, written here independently of the code under test. */
export function p95Of(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}
