import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import { scrubSecrets, secretsOf } from '../config/redact.js';
import { errorResponses, HttpError, success, successEnvelope } from '../http/envelope.js';
import { pageRequest } from '../http/schemas.js';
import type { LogSource } from '../logs/source.js';
import { NotFoundError, ValidationError } from '../validation/problems.js';
import { computeApps } from './apps.js';
import { type EventStreamOptions, EventStreams } from './event-stream.js';
import { resolveInterval } from './interval.js';
import { computeOverview } from './overview.js';
import {
  AppsOutput,
  OverviewOutput,
  RangeQuery,
  ServerStatusOutput,
  TimeseriesOutput,
  TimeseriesQuery,
  TraceOutput,
  TraceQuery,
  ViolationPageOutput,
  ViolationsByAppQuery,
  ViolationsByMessageQuery,
} from './schemas.js';
import { computeServerStatus } from './server-status.js';
import { parseRange } from './time-range.js';
import { computeTimeseries } from './timeseries.js';
import { computeTrace, DEFAULT_TRACE_LIMIT } from './trace.js';
import { listViolations } from './violation-list.js';

export interface StatsRouteOptions {
  /** The clock (epoch ms) for default ranges and lags; tests pin it. */
  now?: () => number;
  events?: EventStreamOptions;
}

/** Range, interval and other query problems found by the handlers: 422 naming the field. */
function checkedQuery<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new HttpError('validation_failed', `the query is invalid: ${error.message}`, error.problems);
    }
    throw error;
  }
}

/**
 * Runs figures that need the log source. When the source cannot be opened or fails to answer,
 * the request gets 503 naming the cause (secrets scrubbed) rather than a 500.
 */
async function fromSource<T>(
  ctx: AppContext,
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

/**
 * Adds `/dashboard/*`, `/monitor/*` and `/events` to the app (call it inside the server's
 * route registration, after the error handler and docs are installed), e.g.
 * `buildServer(ctx, { extraRoutes: (app) => registerStatsRoutes(app, ctx) })`. A `preClose`
 * hook ends every open `/events` stream, so `app.close()` never waits on a browser tab.
 */
export async function registerStatsRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  options: StatsRouteOptions = {},
): Promise<void> {
  const now = options.now ?? Date.now;
  const maxDays = ctx.config.dashboardMaxDays;
  const range = (query: { from?: string; to?: string }) => checkedQuery(() => parseRange(query, now(), maxDays));
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const dashboard = ['dashboard'];
  const monitor = ['monitor'];

  api.get(
    '/dashboard/overview',
    {
      schema: {
        tags: dashboard,
        summary: 'Totals over a range: logs, active apps, violations and their rate, average durations, log levels',
        querystring: RangeQuery,
        response: { 200: successEnvelope(OverviewOutput), ...errorResponses(400, 401, 422, 503) },
      },
    },
    async (request) => {
      const r = range(request.query);
      return success(await fromSource(ctx, request.log, (source) => computeOverview(source, ctx.state.db, r)));
    },
  );

  api.get(
    '/dashboard/timeseries',
    {
      schema: {
        tags: dashboard,
        summary: 'Per time bucket: logs, average and p95 duration, violations',
        querystring: TimeseriesQuery,
        response: { 200: successEnvelope(TimeseriesOutput), ...errorResponses(400, 401, 422, 503) },
      },
    },
    async (request) => {
      const r = range(request.query);
      const interval = checkedQuery(() => resolveInterval(request.query.interval, r));
      const app = request.query.app_name;
      return success(
        await fromSource(ctx, request.log, (source) => computeTimeseries(source, ctx.state.db, r, interval, app)),
      );
    },
  );

  api.get(
    '/dashboard/apps',
    {
      schema: {
        tags: dashboard,
        summary: 'Per app: logs, average, p95 and worst duration, violations, violation rate, slowest message keys',
        querystring: RangeQuery,
        response: { 200: successEnvelope(AppsOutput), ...errorResponses(400, 401, 422, 503) },
      },
    },
    async (request) => {
      const r = range(request.query);
      return success(await fromSource(ctx, request.log, (source) => computeApps(source, ctx.state.db, r)));
    },
  );

  api.get(
    '/monitor/server',
    {
      schema: {
        tags: monitor,
        summary:
          'Version, uptime, memory, load; log source, database and Redis health; last scan, checkpoint lag, outbox',
        response: { 200: successEnvelope(ServerStatusOutput), ...errorResponses(401) },
      },
    },
    async () => success(await computeServerStatus(ctx, { now: now() })),
  );

  api.get(
    '/monitor/trace',
    {
      schema: {
        tags: monitor,
        summary: 'Every log of a correlation id, oldest first, with offsets and gaps for a waterfall',
        querystring: TraceQuery,
        response: { 200: successEnvelope(TraceOutput), ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const { correlation_id, limit } = request.query;
      const max = limit ?? DEFAULT_TRACE_LIMIT;
      return success(await fromSource(ctx, request.log, (source) => computeTrace(source, correlation_id, max)));
    },
  );

  api.get(
    '/monitor/violation/by-app',
    {
      schema: {
        tags: monitor,
        summary: "An app's recorded violations (every app's without app_name), newest first, paged, with totals",
        querystring: ViolationsByAppQuery,
        response: { 200: successEnvelope(ViolationPageOutput), ...errorResponses(400, 401, 422) },
      },
    },
    async (request) => {
      const { app_name } = request.query;
      const filter = { app_name, range: range(request.query) };
      return success(await listViolations(ctx.state.db, filter, pageRequest(request.query)));
    },
  );

  api.get(
    '/monitor/violation/by-message',
    {
      schema: {
        tags: monitor,
        summary: "A message key's recorded violations (optionally of one app), newest first, paged, with totals",
        querystring: ViolationsByMessageQuery,
        response: { 200: successEnvelope(ViolationPageOutput), ...errorResponses(400, 401, 422) },
      },
    },
    async (request) => {
      const { message_key, app_name } = request.query;
      const filter = { message_key, app_name, range: range(request.query) };
      return success(await listViolations(ctx.state.db, filter, pageRequest(request.query)));
    },
  );

  const streams = new EventStreams(ctx.events, options.events);
  streams.attach(app);
  api.get(
    '/events',
    {
      schema: {
        tags: monitor,
        summary:
          'Server-Sent Events: `violation`, `scan`, `alert` and `ingest` events (data: one JSON object), `: heartbeat` every 15 s',
        produces: ['text/event-stream'],
      },
    },
    (_request, reply) => streams.serve(reply),
  );
}

/** The same routes as a Fastify plugin, for `app.register(statsRoutes(ctx))`. */
export function statsRoutes(ctx: AppContext, options: StatsRouteOptions = {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    await registerStatsRoutes(app, ctx, options);
  };
}
