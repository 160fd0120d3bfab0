import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../../access/principal.js';
import type { RuleCommon, RuleKindModule, RuleReport, WindowKindModule, WindowRule } from '../../rules/kinds/kind.js';
import { RULE_KINDS } from '../../rules/kinds/registry.js';
import { Name } from '../../rules/schemas.js';
import { normalizeWindowRule } from '../../rules/window-rule-repository.js';
import { isFiring } from '../../scan/series-state.js';
import { coveredUntil, previewWindowRule, windowReaderOf } from '../../scan/window-preview.js';
import type { HttpContext } from '../context.js';
import { errorResponses, HttpError, ManagedConflict, pageOf, success, successEnvelope } from '../envelope.js';
import { DeletedOutput, IdParams, pageRequest, pagingFields } from '../schemas.js';
import { fromSource } from '../source-queries.js';

const readErrors = errorResponses(400, 401, 404);
const writeErrors = errorResponses(400, 401, 404, 409, 413, 415, 422);
/** A change to one that a rules file manages is refused with 409 `managed_by_file`. */
const changeErrors = { ...writeErrors, 409: ManagedConflict };
const deleteErrors = { ...readErrors, 409: ManagedConflict };

const article = (label: string) => (/^[aeiou]/.test(label) ? `an ${label}` : `a ${label}`);

/** Every rule of every kind, as `GET /rules` lists it: the kind's own shape plus `kind`. */
const AnyRuleOutput = Type.Object(
  {
    kind: Type.String({ description: `The rule's kind: ${RULE_KINDS.map((k) => k.name).join(', ')}` }),
    id: Type.Integer({ description: 'Unique within its kind' }),
    app_name: Type.String(),
    is_active: Type.Boolean(),
  },
  { additionalProperties: true, description: "The kind's own fields (see GET /rules/<kind>/{id}) and its kind" },
);

const AllRulesQuery = Type.Object(
  {
    ...pagingFields,
    kind: Type.Optional(
      Type.Unsafe<string>(
        Type.Union(
          RULE_KINDS.map((k) => Type.Literal(k.name)),
          { description: 'Only rules of this kind' },
        ),
      ),
    ),
    app_name: Type.Optional(Name('Only rules of this app')),
    is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) rules' })),
  },
  { additionalProperties: false },
);

/** `GET /rules`: every rule of every kind, paged, in the registry's order of kinds, then by id. */
export function allRuleRoutes(ctx: HttpContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/rules',
      {
        schema: {
          tags: ['rules'],
          summary: 'List the rules of every kind, paged (each with its kind and id)',
          querystring: AllRulesQuery,
          response: { 200: successEnvelope(pageOf(AnyRuleOutput)), ...readErrors },
        },
      },
      async (request) => {
        const { kind, app_name, is_active } = request.query;
        const matching: Array<RuleCommon & { kind: string }> = [];
        for (const module of RULE_KINDS) {
          if (kind !== undefined && module.name !== kind) continue;
          for (const rule of await module.store(ctx.ruleStores).all()) {
            if (app_name !== undefined && rule.app_name !== app_name) continue;
            if (is_active !== undefined && rule.is_active !== is_active) continue;
            matching.push({ kind: module.name, ...rule });
          }
        }
        const page = pageRequest(request.query);
        const offset = (page.page - 1) * page.per_page;
        return success({ items: matching.slice(offset, offset + page.per_page), total: matching.length, ...page });
      },
    );
  };
}

/** `/rules/<kind>` and `/rules/<kind>/{id}` of one kind (and `/rules/<kind>/preview` for window kinds). */
export function kindRuleRoutes(
  ctx: HttpContext,
  kind: RuleKindModule,
  now: () => number = Date.now,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = [kind.tag];
    const store = () => kind.store(ctx.ruleStores);
    const base = `/rules/${kind.name}`;
    const ListQuery = Type.Object({ ...pagingFields, ...kind.listFilters }, { additionalProperties: false });
    app.get(
      base,
      {
        schema: {
          tags,
          summary: `List ${kind.label}s, paged`,
          querystring: ListQuery,
          response: { 200: successEnvelope(pageOf(kind.outputSchema)), ...readErrors },
        },
      },
      async (request) => {
        const { page: _page, per_page: _perPage, ...filter } = request.query as Record<string, unknown>;
        return success(await store().list(filter, pageRequest(request.query as { page?: number; per_page?: number })));
      },
    );
    app.post(
      base,
      {
        schema: {
          tags,
          summary: `Create ${article(kind.label)}`,
          body: kind.createSchema,
          response: { 201: successEnvelope(kind.outputSchema), ...writeErrors },
        },
      },
      async (request, reply) => reply.code(201).send(success(await store().create(request.body, actorOf(request)))),
    );
    if (kind.family === 'window') {
      registerPreview(app, ctx, kind, tags, now);
      for (const report of kind.reports ?? []) registerReport(app, ctx, kind, report, tags, now);
    }
    app.get(
      `${base}/:id`,
      {
        schema: {
          tags,
          summary: `Read ${article(kind.label)}`,
          params: IdParams,
          response: { 200: successEnvelope(kind.outputSchema), ...readErrors },
        },
      },
      async (request) => success(await store().get(request.params.id)),
    );
    app.put(
      `${base}/:id`,
      {
        schema: {
          tags,
          summary: `Change ${article(kind.label)} (send only the fields to change)`,
          params: IdParams,
          body: kind.updateSchema,
          response: { 200: successEnvelope(kind.outputSchema), ...changeErrors },
        },
      },
      async (request) => success(await store().update(request.params.id, request.body, actorOf(request))),
    );
    app.delete(
      `${base}/:id`,
      {
        schema: {
          tags,
          summary: `Delete ${article(kind.label)}`,
          params: IdParams,
          response: { 200: successEnvelope(DeletedOutput), ...deleteErrors },
        },
      },
      async (request) => {
        await store().delete(request.params.id, actorOf(request));
        return success({ deleted: request.params.id });
      },
    );
  };
}

const PreviewOutput = Type.Object({
  window_from: Type.String({ format: 'date-time' }),
  window_to: Type.String({ format: 'date-time', description: 'The end of the log time the scans have covered' }),
  statistic: Type.String(),
  unit: Type.String({ description: 'ms, % (slow_ratio) or logs (absence)' }),
  series: Type.Array(
    Type.Object({
      message_key: Type.Union([Type.String(), Type.Null()]),
      value: Type.Union([Type.Number(), Type.Null()]),
      samples: Type.Integer(),
      threshold: Type.Union([Type.Number(), Type.Null()], { description: 'Baseline: ratio × baseline value' }),
      baseline_value: Type.Union([Type.Number(), Type.Null()]),
      judged: Type.Boolean({ description: 'false: fewer than min_samples logs (the state would be kept)' }),
      condition_holds: Type.Boolean(),
    }),
  ),
  would_fire: Type.Boolean({ description: 'The condition holds for some series now' }),
});

function registerPreview(
  app: Parameters<FastifyPluginAsyncTypebox>[0],
  ctx: HttpContext,
  kind: WindowKindModule,
  tags: string[],
  now: () => number,
): void {
  app.post(
    `/rules/${kind.name}/preview`,
    {
      schema: {
        tags,
        summary: `What an unsaved ${kind.label} would see right now (same body as create; name optional)`,
        body: kind.previewSchema,
        response: { 200: successEnvelope(PreviewOutput), ...errorResponses(400, 401, 413, 415, 422, 503) },
      },
    },
    async (request) => {
      const body = { name: '(preview)', ...(request.body as Record<string, unknown>) };
      const fields = normalizeWindowRule(kind, body);
      const rule = { id: 0, kind: kind.name, created_at: '', updated_at: '', ...fields } as WindowRule;
      return success(
        await fromSource(ctx, request.log, async (source) => {
          const read = windowReaderOf(source);
          if (!read) throw new HttpError('unavailable', 'the log source cannot answer window statistics');
          const end = await coveredUntil(source, ctx.state.db, now(), ctx.config.scan.lagSeconds);
          return previewWindowRule(kind, rule, read, end);
        }),
      );
    },
  );
}

/** `GET /rules/<kind>/{id}/<report>`: a read-only figure of one stored rule (slo: status, history). */
function registerReport(
  app: Parameters<FastifyPluginAsyncTypebox>[0],
  ctx: HttpContext,
  kind: WindowKindModule,
  report: RuleReport,
  tags: string[],
  now: () => number,
): void {
  app.get(
    `/rules/${kind.name}/:id/${report.name}`,
    {
      schema: {
        tags,
        summary: report.summary,
        params: IdParams,
        querystring: report.query,
        response: { 200: successEnvelope(report.output), ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const rule = (await kind.store(ctx.ruleStores).get(request.params.id)) as WindowRule;
      const firing = await isFiring(ctx.state.db, `${kind.name}:${rule.id}`);
      return success(
        await fromSource(ctx, request.log, async (source) => {
          const read = windowReaderOf(source);
          return report.compute({ rule, read, now: now(), firing, query: request.query as Record<string, unknown> });
        }),
      );
    },
  );
}

/** Every kind's routes, from the registry. */
export function ruleRoutes(ctx: HttpContext, now: () => number = Date.now): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(allRuleRoutes(ctx));
    for (const kind of RULE_KINDS) await app.register(kindRuleRoutes(ctx, kind, now));
  };
}
