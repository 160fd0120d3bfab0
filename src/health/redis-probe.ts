import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/config.js';
import { messageOf, withTimeout } from './with-timeout.js';

export interface RedisHealth {
  ok: boolean;
  host: string;
  port: number;
  db: number;
  version: string | null;
  latency_ms: number | null;
  error: string | null;
}

/** Connects once, PINGs and reads the server version; never retries, never waits past `timeoutMs`. */
export async function probeRedis(config: RedisConfig, timeoutMs: number): Promise<RedisHealth> {
  const redis = new Redis({
    host: config.host,
    port: config.port,
    password: config.password,
    db: config.db,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // reported through the rejected promises below
  const base = { host: config.host, port: config.port, db: config.db };
  try {
    await withTimeout(redis.connect(), timeoutMs, 'Redis');
    const started = performance.now();
    await withTimeout(redis.ping(), timeoutMs, 'Redis');
    const latency = performance.now() - started;
    const info = await withTimeout(redis.info('server'), timeoutMs, 'Redis');
    const version = /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? null;
    return { ...base, ok: true, version, latency_ms: Math.round(latency * 100) / 100, error: null };
  } catch (error) {
    return { ...base, ok: false, version: null, latency_ms: null, error: messageOf(error) };
  } finally {
    redis.disconnect();
  }
}
