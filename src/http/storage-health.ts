import type { FastifyInstance } from 'fastify';
import { StorageUnavailableError, storageFailureCode } from '../db/storage-failure.js';

/** Seconds a client is asked to wait after a store failed. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The stores whose last write failed, per context: /ready reports them as down until a write
 * succeeds again (a lock held by another process, a full disk).
 */
export class StorageHealth {
  private readonly failing = new Map<string, string>();

  failed(error: StorageUnavailableError): void {
    this.failing.set(error.store, error.message);
  }

  /** A write request was answered successfully: every store it may have used works again. */
  recovered(): void {
    this.failing.clear();
  }

  failures(): ReadonlyMap<string, string> {
    return this.failing;
  }
}

/** Keyed by the context object (AppContext or HttpContext): one per running service. */
const healthByContext = new WeakMap<object, StorageHealth>();

export function storageHealthOf(ctx: object): StorageHealth {
  let health = healthByContext.get(ctx);
  if (!health) {
    health = new StorageHealth();
    healthByContext.set(ctx, health);
  }
  return health;
}

/** A store failure as the error handler answers it; an unclassified error is left alone. */
export function asStorageFailure(error: unknown): StorageUnavailableError | undefined {
  if (error instanceof StorageUnavailableError) return error;
  const code = storageFailureCode(error);
  return code === undefined ? undefined : new StorageUnavailableError('database', code, error);
}

/** Clears the failures when a write (POST, PUT, DELETE) is answered 2xx. */
export function installStorageRecovery(app: FastifyInstance, health: StorageHealth): void {
  app.addHook('onResponse', (request, reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300) health.recovered();
    done();
  });
}
