import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TimeRange } from '../../logs/source.js';
import { resolveInterval } from '../../stats/interval.js';
import { computeServerStatus } from '../../stats/server-status.js';
import { computeSlowestTraces } from '../../stats/slowest-traces.js';
import { computeTrace } from '../../stats/trace.js';
import { listViolations, violationBreakdownOf, violationHistogram } from '../../stats/violation-list.js';
import { ValidationError } from '../../validation/problems.js';
import type { KeyMatch, ViolationFilter } from '../../violations/violation-store.js';
import type { HttpContext } from '../context.js';
import {
  DashboardSettingsOutput,
  DEFAULT_BREAKDOWN_LIMIT,
  DEFAULT_SLOWEST_TRACES,
  DEFAULT_TRACE_LIMIT,
  ServerStatusOutput,
  SlowestTracesOutput,
  SlowestTracesQuery,
  TraceOutput,
  TraceQuery,
  ViolationBreakdownOutput,
  ViolationBreakdownQuery,
  ViolationHistogramOutput,
  ViolationHistogramQuery,
  ViolationPageOutput,
  ViolationsByAppQuery,
  ViolationsByMessageQuery,
} from '../dashboard-schemas.js';
import { errorResponses, success, successEnvelope } from '../envelope.js';
import { pageRequest } from '../schemas.js';
import { checkedQuery, fromSource, rangeReader } from '../source-queries.js';

type RuleQuery = { rule_type?: 'app' | 'message'; rule_id?: number; ids?: string };

/** A rule filter names both the rule type and its id (an id alone names two rules): 422 otherwise. */
function ruleFilter(query: RuleQuery): Pick<ViolationFilter, 'rule_type' | 'rule_id' | 'ids'> {
  return checkedQuery(() => {
    if ((query.rule_type === undefined) !== (query.rule_id === undefined)) {
      const missing = query.rule_type === undefined ? 'rule_type' : 'rule_id';
      throw new ValidationError([
        { field: missing, message: 'rule_type and rule_id go together: give both or neither' },
      ]);
    }
    return { rule_type: query.rule_type, rule_id: query.rule_id, ...idRange(query.ids) };
  });
}

type ViolationQuery = RuleQuery & { app_name?: string; message_key?: string; key_match?: KeyMatch; level?: string };

/** The filters every violation route takes, checked, over `range`. */
function violationFilterOf(query: ViolationQuery, range: TimeRange): ViolationFilter {
  const { app_name, message_key, key_match, level } = query;
  return { app_name, message_key, key_match, level, ...ruleFilter(query), range };
}

/** `ids=<first>-<last>` (a notification's violations): 422 when the first is past the last. */
function idRange(text: string | undefined): Pick<ViolationFilter, 'ids'> {
  if (text === undefined) return {};
  const [first, last] = text.split('-').map(Number) as [number, number];
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first > last) {
    throw new ValidationError([{ field: 'ids', message: 'ids is <first>-<last>, the first id not after the last' }]);
  }
  return { ids: { first, last } };
}

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
        const filter = violationFilterOf(request.query, range(request.query));
        return success(await listViolations(ctx.state, filter, pageRequest(request.query), request.query.sort));
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
        const filter = violationFilterOf(request.query, range(request.query));
        return success(await listViolations(ctx.state, filter, pageRequest(request.query), request.query.sort));
      },
    );

    app.get(
      '/monitor/violation/histogram',
      {
        schema: {
          tags,
          summary: 'Recorded violations per time bucket over the range, for the same filters as the lists',
          querystring: ViolationHistogramQuery,
          response: { 200: successEnvelope(ViolationHistogramOutput), ...errorResponses(400, 401, 422) },
        },
      },
      async (request) => {
        const filter = violationFilterOf(request.query, range(request.query));
        const intervalMs = checkedQuery(() => resolveInterval(request.query.interval, filter.range));
        return success(await violationHistogram(ctx.state, filter, intervalMs));
      },
    );

    app.get(
      '/monitor/violation/breakdown',
      {
        schema: {
          tags,
          summary:
            'Recorded violations counted by message key, rule or level, the largest groups first, for the same filters as the lists',
          querystring: ViolationBreakdownQuery,
          response: { 200: successEnvelope(ViolationBreakdownOutput), ...errorResponses(400, 401, 422) },
        },
      },
      async (request) => {
        const filter = violationFilterOf(request.query, range(request.query));
        return success(
          await violationBreakdownOf(
            ctx.state,
            filter,
            request.query.by,
            request.query.limit ?? DEFAULT_BREAKDOWN_LIMIT,
          ),
        );
      },
    );

    app.get(
      '/monitor/dashboard-settings',
      {
        schema: {
          tags,
          summary: 'Settings the web dashboard follows, such as the longest range it may ask for',
          response: { 200: successEnvelope(DashboardSettingsOutput), ...errorResponses(401) },
        },
      },
      async () => success({ dashboard_max_days: ctx.config.dashboardMaxDays }),
    );
  };
}
