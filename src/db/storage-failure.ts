/** Node and driver codes of a store that cannot serve right now (locked, full, gone): retry later. */
const NODE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
const MYSQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_CON_COUNT_ERROR',
  'ER_RECORD_FILE_FULL',
  'ER_DISK_FULL',
  'ER_OUT_OF_RESOURCES',
  'ER_SERVER_SHUTDOWN',
  'ER_OPTION_PREVENTS_STATEMENT', // read-only server
]);

/**
 * The code when an error says a store is unavailable rather than that the request was wrong:
 * SQLite busy, locked, full, read-only or I/O errors; MySQL/MariaDB lock timeouts, lost
 * connections and full disks; PostgreSQL classes 08 (connection), 53 (resources, disk full),
 * 57P (shutdown), 40001/40P01 (serialisation, deadlock); network and disk errors of Node.
 */
export function storageFailureCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (
    /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL|NOLFS)/.test(code) ||
    NODE_CODES.has(code) ||
    MYSQL_CODES.has(code) ||
    /^(08|53)[0-9A-Z]{3}$/.test(code) ||
    /^57P0[1-3]$/.test(code) ||
    code === '40001' ||
    code === '40P01'
  ) {
    return code;
  }
  return undefined;
}

/** A store failed to serve a request: answered 503 with Retry-After, /ready names it until a write succeeds. */
export class StorageUnavailableError extends Error {
  constructor(
    /** The readiness check that names it: `database` or `log_source`. */
    readonly store: 'database' | 'log_source',
    readonly code: string,
    cause: unknown,
  ) {
    super(`the ${store === 'database' ? 'state database' : 'log store'} is unavailable (${code})`, { cause });
    this.name = 'StorageUnavailableError';
  }
}
