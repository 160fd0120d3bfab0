import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { computeServerStatus } from '../../stats/server-status.js';
import { computeSlowestTraces } from '../../stats/slowest-traces.js';
import { computeTrace } from '../../stats/trace.js';
import { listViolations } from '../../stats/violation-list.js';
import type { HttpContext } from '../context.js';
import {
  DEFAULT_SLOWEST_TRACES,
  DEFAULT_TRACE_LIMIT,
  ServerStatusOutput,
  SlowestTracesOutput,
  SlowestTracesQuery,
  TraceOutput,
  TraceQuery,
  ViolationPageOutput,
  ViolationsByAppQuery,
  ViolationsByMessageQuery,
} from '../dashboard-schemas.js';
import { errorResponses, success, successEnvelope } from '../envelope.js';
import { pageRequest } from '../schemas.js';
import { fromSource, rangeReader } from '../source-queries.js';

/** `/monitor/server`, `/monitor/trace`, `/monitor/traces/slowest` and the recorded violations by app or message key. */
export function monitorRoutes(ctx: HttpContext, now: () => number): FastifyPluginAsyncTypebox {
  const range = rangeReader(ctx, now);
  const tags = ['monitor'];
  return async (app) => {
    app.get(
      '/monitor/server',
      {
        schema: {
          tags,
          summary:
            'Version, uptime, memory, load; log source, database and Redis health; last scan, checkpoint lag, outbox',
          response: { 200: successEnvelope(ServerStatusOutput), ...errorResponses(401) },
        },
      },
      async () => success(await computeServerStatus(ctx, { now: now() })),
    );

    app.get(
      '/monitor/trace',
      {
        schema: {
          tags,
          summary:
            'Every log of a correlation id, oldest first, with offsets and gaps for a waterfall and the violation recorded for each',
          querystring: TraceQuery,
          response: { 200: successEnvelope(TraceOutput), ...errorResponses(400, 401, 404, 503) },
        },
      },
      async (request) => {
        const { correlation_id, limit } = request.query;
        const max = limit ?? DEFAULT_TRACE_LIMIT;
        return success(
          await fromSource(ctx, request.log, (source) => computeTrace(source, ctx.state.db, correlation_id, max)),
        );
      },
    );

    app.get(
      '/monitor/traces/slowest',
      {
        schema: {
          tags,
          summary: 'The correlation ids with the worst log durations of a range, slowest first',
          querystring: SlowestTracesQuery,
          response: { 200: successEnvelope(SlowestTracesOutput), ...errorResponses(400, 401, 422, 503) },
        },
      },
      async (request) => {
        const r = range(request.query);
        const { app_name, limit } = request.query;
        const max = limit ?? DEFAULT_SLOWEST_TRACES;
        return success(await fromSource(ctx, request.log, (source) => computeSlowestTraces(source, r, max, app_name)));
      },
    );

    app.get(
      '/monitor/violation/by-app',
      {
        schema: {
          tags,
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

    app.get(
      '/monitor/violation/by-message',
      {
        schema: {
          tags,
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
  };
}
