import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { computeApps } from '../../stats/apps.js';
import { resolveInterval } from '../../stats/interval.js';
import { computeOverview, OVERVIEW_LIMITS } from '../../stats/overview.js';
import { computeTimeseries } from '../../stats/timeseries.js';
import type { HttpContext } from '../context.js';
import {
  AppsOutput,
  AppsQuery,
  OverviewOutput,
  OverviewQuery,
  TimeseriesOutput,
  TimeseriesQuery,
} from '../dashboard-schemas.js';
import { errorResponses, success, successEnvelope } from '../envelope.js';
import { pageRequest } from '../schemas.js';
import { checkedQuery, fromSource, rangeReader } from '../source-queries.js';

/** `/dashboard/overview`, `/dashboard/timeseries`, `/dashboard/apps`: figures over a time range. */
export function dashboardRoutes(ctx: HttpContext, now: () => number): FastifyPluginAsyncTypebox {
  const range = rangeReader(ctx, now);
  const tags = ['dashboard'];
  return async (app) => {
    app.get(
      '/dashboard/overview',
      {
        schema: {
          tags,
          summary:
            'Totals over a range: logs, active apps, violations and their rate, average durations, log levels (of every app, or of app_name)',
          querystring: OverviewQuery,
          response: { 200: successEnvelope(OverviewOutput), ...errorResponses(400, 401, 422, 503) },
        },
      },
      async (request) => {
        const r = range(request.query);
        const appName = request.query.app_name;
        const limits = { ...OVERVIEW_LIMITS, apps: request.query.apps_limit ?? OVERVIEW_LIMITS.apps };
        return success(
          await fromSource(ctx, request.log, (source) => computeOverview(source, ctx.state.db, r, appName, limits)),
        );
      },
    );

    app.get(
      '/dashboard/timeseries',
      {
        schema: {
          tags,
          summary: 'Per time bucket: logs, average and p95 duration, violations',
          querystring: TimeseriesQuery,
          response: { 200: successEnvelope(TimeseriesOutput), ...errorResponses(400, 401, 422, 503) },
        },
      },
      async (request) => {
        const r = range(request.query);
        const interval = checkedQuery(() => resolveInterval(request.query.interval, r));
        const appName = request.query.app_name;
        return success(
          await fromSource(ctx, request.log, (source) => computeTimeseries(source, ctx.state.db, r, interval, appName)),
        );
      },
    );

    app.get(
      '/dashboard/apps',
      {
        schema: {
          tags,
          summary:
            'Per app, one page of them: logs, average, p95 and worst duration, violations, violation rate, slowest message keys',
          querystring: AppsQuery,
          response: { 200: successEnvelope(AppsOutput), ...errorResponses(400, 401, 422, 503) },
        },
      },
      async (request) => {
        const r = range(request.query);
        return success(
          await fromSource(ctx, request.log, (source) =>
            computeApps(source, ctx.state.db, r, request.query.sort, pageRequest(request.query)),
          ),
        );
      },
    );
  };
}
