import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/config.js';

/** A Redis connection that fails fast instead of queueing commands forever while down. */
export function createRedis(config: RedisConfig): Redis {
  return new Redis({
    host: config.host,
    port: config.port,
    password: config.password,
    db: config.db,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}
