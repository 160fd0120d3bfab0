import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { WindowRule } from '../../rules/kinds/kind.js';
import { windowKindNamed } from '../../rules/kinds/registry.js';
import { getIncident, listIncidents } from '../../scan/incidents.js';
import { coveredUntil, incidentSeries, windowReaderOf } from '../../scan/window-preview.js';
import { NotFoundError } from '../../validation/problems.js';
import type { HttpContext } from '../context.js';
import { errorResponses, pageOf, success, successEnvelope } from '../envelope.js';
import { FilterText, IdParams, MAX_ID, pageRequest, pagingFields, RuleTypeSchema } from '../schemas.js';
import { fromSource } from '../source-queries.js';

const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);

export const IncidentOutput = Type.Object({
  id: Type.Integer(),
  rule_type: RuleTypeSchema,
  rule_id: Type.Integer(),
  name: Type.String({ description: "The rule's name" }),
  app_name: Type.String(),
  message_key: Type.Union([Type.String(), Type.Null()], { description: "The series key (per_key) or the rule's key" }),
  state: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  started_at: Type.String({ format: 'date-time', description: 'Log time it started firing' }),
  resolved_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  value: Nullable(Type.Number({ description: 'The latest value (when resolved: the value that resolved it)' })),
  peak_value: Nullable(Type.Number()),
  threshold: Nullable(Type.Number({ description: 'What the value was compared with (baseline: ratio × baseline)' })),
  baseline_value: Nullable(Type.Number()),
  unit: Type.String({ description: 'ms, % or logs' }),
  samples: Type.Integer({ description: 'Logs in the latest judged window' }),
});

const IncidentDetail = Type.Object({
  ...IncidentOutput.properties,
  rule: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
    description: 'The rule as GET /rules/<kind>/{id} answers it; null once deleted',
  }),
  series: Type.Array(
    Type.Object({
      t: Type.String({ format: 'date-time', description: 'End of the bucket' }),
      value: Nullable(Type.Number()),
      samples: Type.Integer(),
    }),
    { description: "The statistic over the incident and the hour before, per bucket of the rule's window" },
  ),
});

const IncidentQuery = Type.Object(
  {
    ...pagingFields,
    state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
    rule_type: Type.Optional(RuleTypeSchema),
    rule_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
    app_name: Type.Optional(FilterText('Only incidents of this app')),
  },
  { additionalProperties: false },
);

/** `GET /incidents` and `GET /incidents/{id}`: the firings of window rules. */
export function incidentRoutes(ctx: HttpContext, now: () => number): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['incidents'];
    app.get(
      '/incidents',
      {
        schema: {
          tags,
          summary: 'Incidents of window rules, newest first, paged',
          querystring: IncidentQuery,
          response: { 200: successEnvelope(pageOf(IncidentOutput)), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { state, rule_type, rule_id, app_name } = request.query;
        return success(
          await listIncidents(ctx.state.db, { state, rule_type, rule_id, app_name }, pageRequest(request.query)),
        );
      },
    );
    app.get(
      '/incidents/:id',
      {
        schema: {
          tags,
          summary: 'One incident with its rule and its statistic over the incident and the hour before',
          params: IdParams,
          response: { 200: successEnvelope(IncidentDetail), ...errorResponses(400, 401, 404, 503) },
        },
      },
      async (request) => {
        const incident = await getIncident(ctx.state.db, request.params.id);
        const kind = windowKindNamed(incident.rule_type);
        let rule: WindowRule | null = null;
        if (kind) {
          try {
            rule = (await kind.store(ctx.ruleStores).get(incident.rule_id)) as WindowRule;
          } catch (error) {
            if (!(error instanceof NotFoundError)) throw error;
          }
        }
        const series =
          kind && rule
            ? await fromSource(ctx, request.log, async (source) => {
                const read = windowReaderOf(source);
                if (!read) return [];
                const until = await coveredUntil(source, ctx.state.db, now(), ctx.config.scan.lagSeconds);
                return incidentSeries(kind, rule as WindowRule, incident, read, until);
              })
            : [];
        return success({ ...incident, rule, series });
      },
    );
  };
}
