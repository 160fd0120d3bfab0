import type { FastifyBaseLogger } from 'fastify';
import { scrubSecrets, secretsOf } from '../config/redact.js';
import type { LogSource, TimeRange } from '../logs/source.js';
import { parseRange } from '../stats/time-range.js';
import { NotFoundError, ValidationError } from '../validation/problems.js';
import type { HttpContext } from './context.js';
import { HttpError } from './envelope.js';

/** Range, interval and other query problems found by the handlers: 422 naming the field. */
export function checkedQuery<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new HttpError('validation_failed', `the query is invalid: ${error.message}`, error.problems);
    }
    throw error;
  }
}

/** `from`/`to` of a query as a range (default the last 24 hours, at most DASHBOARD_MAX_DAYS). */
export function rangeReader(ctx: Pick<HttpContext, 'config'>, now: () => number) {
  return (query: { from?: string; to?: string }): TimeRange =>
    checkedQuery(() => parseRange(query, now(), ctx.config.dashboardMaxDays));
}

/**
 * Runs figures that need the log source. When the source cannot be opened or fails to answer,
 * the request gets 503 naming the cause (secrets scrubbed) rather than a 500.
 */
export async function fromSource<T>(
  ctx: Pick<HttpContext, 'config' | 'logSource'>,
  log: FastifyBaseLogger,
  use: (source: LogSource) => Promise<T>,
): Promise<T> {
  try {
    return await use(await ctx.logSource());
  } catch (error) {
    if (error instanceof HttpError || error instanceof NotFoundError || error instanceof ValidationError) throw error;
    log.warn({ err: error }, 'the log source failed to answer');
    const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new HttpError('unavailable', `the log source is unavailable: ${scrubSecrets(text, secretsOf(ctx.config))}`);
  }
}
